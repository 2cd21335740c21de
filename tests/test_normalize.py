"""Normalisation keeps the line count and cleans what real minutes carry."""

from extractors.normalize import normalize


def norm(text: str) -> list[str]:
    result = normalize(text)
    assert len(result.lines) == len(text.replace("\r\n", "\n").split("\n"))
    return result.lines


def test_hyphenation_with_space_is_rejoined_but_suspended_compounds_stay():
    line = norm("drøfter beredskabs- og samfundssikker- hedsområdet og kritisk infra- struktur")[0]
    assert line == "drøfter beredskabs- og samfundssikkerhedsområdet og kritisk infrastruktur"


def test_in_word_hyphen_joined_only_for_known_words():
    line = norm("foretage udpegnin-ger i Ho-vedstaden, en ikke-bindende plan og KKR-formandskabet")[0]
    assert line == "foretage udpegninger i Hovedstaden, en ikke-bindende plan og KKR-formandskabet"


def test_hyphen_at_line_end_moves_fragment_up():
    assert norm("en vigtig udpeg-\nning af medlemmer") == ["en vigtig udpegning", "af medlemmer"]


def test_markup_removed():
    assert norm("Se [her](#) og **fed** og <i>5.448</i> og *kursiv** med * stjerne")[0] == (
        "Se her og fed og 5.448 og kursiv med * stjerne"
    )


def test_dot_leaders_windows_line_endings_and_nbsp():
    lines = norm("2. Siden sidst.....\t6\r\n3.3. Samarbejde ..\t19\r\nkl.\u00a010\u00ad00")
    assert lines == ["2. Siden sidst\t6", "3.3. Samarbejde\t19", "kl. 1000"]


def test_running_headers_and_footers_found_by_repetition():
    pages = []
    for page in range(1, 5):
        pages.append(f"KKR Hovedstaden | Referat | 16-06-2026   Side {page} af 4\n\nTekst på side {page}.\n\nSide {page}")
    result = normalize("\n".join(pages))
    kept = [line for line in result.lines if line.strip()]
    assert kept == [f"Tekst på side {n}." for n in range(1, 5)]
    assert len(result.furniture_lines) == 8


def test_repeated_real_lines_are_not_furniture():
    text = "\n".join(["Beslutning", "", "KKR Hovedstaden tiltrådte indstillingen.", ""] * 5)
    assert normalize(text).furniture_lines == []
