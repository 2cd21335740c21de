"""The spaCy pipeline: ``spacy.blank("da")`` plus rule components fed by extractors/data/.

Built once per process (``get_nlp``) and reused. Components, in order:

- tokenizer special cases for Danish abbreviations (data/abbreviations.txt), so that
  ``bl.a.``, ``mio.`` or ``kr.`` are single tokens, and ``mio.kr.``/``kr./indbygger`` split;
- ``referat_da_norm``: ``Token.norm_`` = lower case with in-word line-break hyphens rejoined
  (``Jør-gensen`` -> ``jørgensen``) and an apostrophe genitive dropped (``KL's`` -> ``kl``);
  ``Token.lemma_`` from the spaCy lookup lemmatizer data (spacy-lookups-data ``da``), looked up in
  lower case; ``Token._.cap`` = starts with a capital letter;
- ``referat_da_sentences``: sentence splitter that knows abbreviations (``bl.a.`` never ends a
  sentence, ``kr.`` does before a capitalised word) and treats line breaks as boundaries;
- ``entity_ruler``: gazetteers of municipalities, regions, parties and organisations;
- ``referat_da_rules``: a Matcher for money, percentages, dates and party letters ``(Ø)``;
- ``referat_da_people``: people by first name (data/first_names.txt) or introduced by a role
  (data/roles.txt: ``Direktør Stine Johansen``, ``borgmester i Brøndby, Maja Højgaard``).

Entity labels: PERSON, MUNICIPALITY, REGION, PARTY, ORGANISATION, MONEY, PERCENT, DATE. Gazetteer
entities carry their key in ``Span.ent_id_`` (``muni:101``, ``region:1084``, ``party:F``,
``org:KL``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.matcher import Matcher
from spacy.symbols import ORTH
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from extractors.entities.gazetteer import Gazetteer, genitive, load
from extractors.entities.normalise import MONTH_WORDS, PHASES, SEASONS

if not Token.has_extension("cap"):
    Token.set_extension("cap", default=False)

_SOFT_HYPHEN = re.compile(r"(?<=[a-zæøåé])-(?=[a-zæøå])")
_GENITIVE = re.compile(r"['’]s?$")


def norm_text(text: str) -> str:
    """The matching key of a token: lower case, line-break hyphens rejoined, ``'s`` dropped."""
    t = _SOFT_HYPHEN.sub("", text)
    if len(t) > 2:
        t = _GENITIVE.sub("", t)
    return t.lower()


def merge_ents(doc: Doc, spans: list[Span], *, prefer_new: bool = False) -> None:
    """Add spans to doc.ents; overlaps resolved longest-first (ties: existing, or new if prefer_new)."""
    if not spans:
        return
    ordered = list(spans) + list(doc.ents) if prefer_new else list(doc.ents) + list(spans)
    doc.ents = filter_spans(ordered)


@Language.factory("referat_da_norm")
def make_norm(nlp: Language, name: str):
    table = load_lookups("da", ["lemma_lookup"]).get_table("lemma_lookup")
    return NormComponent(table)


class NormComponent:
    def __init__(self, table) -> None:
        self.table = table

    def __call__(self, doc: Doc) -> Doc:
        table = self.table
        for token in doc:
            text = token.text
            if text[:1].isupper():
                token._.cap = True
            norm = norm_text(text)
            token.norm_ = norm
            lemma = table.get(norm)
            if lemma is not None:
                token.lemma_ = lemma
            else:
                token.lemma_ = norm
        return doc


@Language.factory("referat_da_sentences")
def make_sentences(nlp: Language, name: str):
    return SentenceComponent(load().sentence_final)


class SentenceComponent:
    """Sentence starts after . ! ?, after a sentence-final abbreviation before a capital, and at
    line breaks. Other abbreviations (bl.a., f.eks., jf., ca., mio.) are single tokens and so never
    end a sentence."""

    END = {".", "!", "?", "…"}

    def __init__(self, final: set[str]) -> None:
        self.final = final

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        starts = [False] * n
        starts[0] = True
        pending = False
        for i in range(n - 1):
            tok = doc[i]
            text = tok.text
            nxt = doc[i + 1]
            if text in self.END or "\n" in text:
                pending = True
            elif text.lower() in self.final and nxt._.cap and not nxt.like_num:
                pending = True
            if pending and not nxt.is_space:
                starts[i + 1] = True  # whitespace stays with the sentence before it
                pending = False
        for i, tok in enumerate(doc):
            tok.is_sent_start = starts[i]
        return doc


def _token_pattern(nlp: Language, text: str, *, acronym_case: bool = True) -> list[dict]:
    pattern = []
    for i, tok in enumerate(nlp.make_doc(text)):
        spec: dict = {"NORM": norm_text(tok.text)}
        if tok.text.isupper() and len(tok.text) > 1 and acronym_case:
            spec["TEXT"] = {"REGEX": "^" + re.escape(tok.text)}  # acronyms keep their case
        elif i == 0 and tok.text[:1].isupper():
            spec["_"] = {"cap": True}
        pattern.append(spec)
    return pattern


def _with_genitive(nlp: Language, text: str) -> list[list[dict]]:
    base = _token_pattern(nlp, text)
    gen = _token_pattern(nlp, text)
    last = nlp.make_doc(text)[-1].text
    gen[-1] = dict(gen[-1], NORM=norm_text(genitive(last)))
    return [base, gen] if gen != base else [base]


def gazetteer_patterns(nlp: Language, g: Gazetteer) -> list[dict]:
    patterns: list[dict] = []
    kommune = {"NORM": {"IN": ["kommune", "kommunes", "regionskommune", "regionskommunes"]}}
    for m in g.municipalities:
        for form in m.forms:
            for p in _with_genitive(nlp, form):
                patterns.append({"label": "MUNICIPALITY", "pattern": p + [kommune], "id": f"muni:{m.code}"})
                ident = f"muni:{m.code}:ctx" if m.context else f"muni:{m.code}"
                patterns.append({"label": "MUNICIPALITY", "pattern": p, "id": ident})
    for r in g.regions:
        key = f"region:{r.code}" if r.code else f"region:{r.name}"
        for form in r.forms:
            for p in _with_genitive(nlp, form):
                patterns.append({"label": "REGION", "pattern": p, "id": key})
    for party in g.parties:
        for form in party.forms:
            if len(form) < 2:
                continue  # single letters only in parentheses (referat_da_rules)
            for p in _with_genitive(nlp, form):
                patterns.append({"label": "PARTY", "pattern": p, "id": f"party:{party.letter}"})
    for canonical, forms in g.organisations.items():
        for form in forms:
            for p in _with_genitive(nlp, form):
                patterns.append({"label": "ORGANISATION", "pattern": p, "id": f"org:{canonical}"})
    agency = r"^(?!.*bestyrelse)[a-zæøå]{3,}(styrelsen|ministeriet|tilsynet|direktoratet)s?$"
    patterns.append({"label": "ORGANISATION", "pattern": [{"NORM": {"REGEX": agency}, "_": {"cap": True}}],
                     "id": "org:*"})
    return patterns


NUM = r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^[+-]?\d+(?:,\d+)?\.?$"
SCALE_WORDS = ["mio.", "mio", "mia.", "mia", "mill.", "million", "millioner", "milliard",
               "milliarder", "tusind", "t."]
KR_WORDS = ["kr.", "kr", "kroner", "krone", "dkk", "tkr."]
PCT_WORDS = ["pct.", "pct", "procent", "%"]


def rule_patterns() -> dict[str, list[list[dict]]]:
    num = {"TEXT": {"REGEX": NUM}}
    scale = {"LOWER": {"IN": SCALE_WORDS}, "OP": "?"}
    kr = {"LOWER": {"IN": KR_WORDS}}
    money = [num, scale, kr]
    per_word = {"IS_ALPHA": True, "LENGTH": {">=": 3}}
    day = {"TEXT": {"REGEX": r"^(?:[1-9]|[12]\d|3[01])\.$"}}
    month = {"LOWER": {"IN": MONTH_WORDS}}
    year = {"TEXT": {"REGEX": r"^(?:19|20)\d\d$"}}
    return {
        "MONEY": [
            money,
            money + [{"ORTH": "/"}, per_word],
            money + [{"LOWER": {"IN": ["pr.", "per"]}}, per_word],
            [{"LOWER": {"IN": ["kr.", "dkk"]}}, num, scale],
        ],
        "PERCENT": [[num, {"LOWER": {"IN": PCT_WORDS}}]],
        "DATE": [
            [day, month, year],
            [day, month],
            [month, year],
            [{"LOWER": {"IN": list(PHASES)}}, month, year],
            [{"LOWER": {"IN": list(PHASES)}}, year],
            [{"TEXT": {"REGEX": r"^\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d\d$"}}],
            [{"TEXT": {"REGEX": r"^(?:19|20)\d\d-(?:19|20)?\d\d$"}}],
            [{"LOWER": {"IN": ["første", "andet", "anden", "tredje", "fjerde", "1.", "2.", "3.", "4."]}},
             {"LOWER": {"IN": ["kvartal", "halvår"]}}, {"LOWER": {"IN": ["af", "i"]}, "OP": "?"}, year],
            [{"LOWER": {"IN": list(SEASONS)}}, year],
        ],
        "PARTY_LETTER": [[{"ORTH": "("}, {"ORTH": {"IN": []}}, {"ORTH": ")"}]],  # letters filled in
    }


@Language.factory("referat_da_rules")
def make_rules(nlp: Language, name: str):
    return RulesComponent(nlp, load())


class RulesComponent:
    def __init__(self, nlp: Language, g: Gazetteer) -> None:
        self.matcher = Matcher(nlp.vocab)
        patterns = rule_patterns()
        patterns["PARTY_LETTER"] = [[{"ORTH": "("}, {"ORTH": {"IN": sorted(g.by_letter)}}, {"ORTH": ")"}]]
        for label, pats in patterns.items():
            self.matcher.add(label, pats, greedy="LONGEST")

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for match_id, start, end in self.matcher(doc):
            label = doc.vocab.strings[match_id]
            if label == "PARTY_LETTER":
                spans.append(Span(doc, start + 1, end - 1, label="PARTY",
                                  span_id=f"party:{doc[start + 1].text}"))
            else:
                if label == "DATE" and end - start == 1 and not _is_year_range(doc[start].text):
                    pass
                spans.append(Span(doc, start, end, label=label))
        spans = [s for s in spans if not (s.label_ == "DATE" and len(s) == 1 and not _date_token_ok(s))]
        merge_ents(doc, spans)
        # Municipality names that are also ordinary words need support from their context.
        kept = []
        for ent in doc.ents:
            if ent.label_ == "MUNICIPALITY" and ent.ent_id_.endswith(":ctx"):
                first = doc[ent.start]
                prev = doc[ent.start - 1] if ent.start else None
                code_before = prev is not None and re.fullmatch(r"\d{3}", prev.text)
                if first.is_sent_start and not code_before:
                    continue
            kept.append(ent)
        if len(kept) != len(doc.ents):
            doc.ents = kept
        return doc


def _is_year_range(text: str) -> bool:
    m = re.fullmatch(r"((?:19|20)\d\d)-((?:19|20)?\d\d)", text)
    if not m:
        return False
    a = int(m[1])
    b = int(m[2]) if len(m[2]) == 4 else a // 100 * 100 + int(m[2])
    return b > a


def _date_token_ok(span: Span) -> bool:
    text = span.text
    return _is_year_range(text) or bool(re.fullmatch(r"\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d\d", text))


_NOT_NAME = {"kommune", "kommunes", "region", "regionen", "kkr", "kl", "bilag", "sag", "punkt"}


def is_name_token(tok: Token, stop_words: set[str]) -> bool:
    text = tok.text
    if not tok._.cap or len(text) < 2 or tok.ent_type_ in ("ORGANISATION", "MUNICIPALITY", "REGION", "PARTY"):
        return False
    if text.isupper() or tok.like_num:
        return False
    if not all(part.isalpha() for part in text.replace("'", "-").split("-") if part):
        return False
    low = tok.norm_
    return low not in stop_words and low not in _NOT_NAME and low not in MONTH_WORDS


def _is_initial(tok: Token) -> bool:
    return bool(re.fullmatch(r"[A-ZÆØÅ]\.", tok.text))


@Language.factory("referat_da_people")
def make_people(nlp: Language, name: str):
    return PeopleComponent(nlp, load())


class PeopleComponent:
    """People by first name followed by name words, or by the role that introduces them."""

    def __init__(self, nlp: Language, g: Gazetteer) -> None:
        self.first_names = {n.lower() for n in g.first_names}
        self.stop = set(nlp.Defaults.stop_words)
        self.roles = [r for r in g.roles if " " not in r]
        self.role_pairs = {tuple(r.split()) for r in g.roles if " " in r}

    def is_role(self, tok: Token) -> bool:
        lemma, norm = tok.lemma_, tok.norm_
        # The lemma ends with a role ("kommunaldirektøren" -> "kommunaldirektør"), or the word is
        # one ("Leder", whose lemma the lookup table gives as the verb); not "indleder" (indlede).
        return len(norm) >= 3 and any(lemma.endswith(r) or norm == r for r in self.roles)

    def role_end(self, doc: Doc, i: int) -> int | None:
        """Token index after a role word starting at i, or None."""
        tok = doc[i]
        if i + 1 < len(doc) and (tok.norm_, doc[i + 1].norm_) in self.role_pairs:
            return i + 2
        if self.is_role(tok):
            return i + 1
        return None

    def name_run(self, doc: Doc, i: int, limit: int = 5) -> int:
        """End of a run of name tokens starting at i (initials allowed inside)."""
        j = i
        while j < len(doc) and j - i < limit:
            tok = doc[j]
            if is_name_token(tok, self.stop) and not tok.is_sent_start or (j == i and is_name_token(tok, self.stop)):
                j += 1
            elif _is_initial(tok) and j > i and j + 1 < len(doc) and is_name_token(doc[j + 1], self.stop):
                j += 1
            else:
                break
        return j

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        n = len(doc)
        i = 0
        while i < n:
            tok = doc[i]
            if tok._.cap and tok.norm_ in self.first_names and not tok.ent_type_:
                end = self.name_run(doc, i)
                if end - i >= 2:
                    spans.append(Span(doc, i, end, label="PERSON"))
                    i = end
                    continue
            i += 1
        for i in range(n):
            end = self.role_end(doc, i)
            if end is None:
                continue
            commas = 0
            j = end
            while j < n and j < end + 12:
                t = doc[j]
                if t.is_sent_start or t.text in {".", ";", ":", "(", ")"} or t.norm_ == "og" or "\n" in t.text:
                    break
                if t.text == ",":
                    commas += 1
                    if commas > 1:
                        break
                    j += 1
                    continue
                if is_name_token(t, self.stop) and not t.ent_type_:
                    k = self.name_run(doc, j)
                    if k - j >= 2:
                        spans.append(Span(doc, j, k, label="PERSON"))
                        break
                    j = k
                    continue
                j += 1
        merge_ents(doc, spans)
        return doc


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once per process."""
    g = load()
    nlp = spacy.blank("da")
    for abbr in g.abbreviations:
        nlp.tokenizer.add_special_case(abbr, [{ORTH: abbr}])
        if abbr[:1].isalpha():
            cap = abbr[0].upper() + abbr[1:]
            nlp.tokenizer.add_special_case(cap, [{ORTH: cap}])
    for scale in ("mio.", "mia."):
        nlp.tokenizer.add_special_case(scale + "kr.", [{ORTH: scale}, {ORTH: "kr."}])
    for per in ("indbygger", "indb.", "borger", "elev", "år", "måned", "person", "time"):
        nlp.tokenizer.add_special_case(f"kr./{per}", [{ORTH: "kr."}, {ORTH: "/"}, {ORTH: per}])
    nlp.add_pipe("referat_da_norm")
    nlp.add_pipe("referat_da_sentences")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(gazetteer_patterns(nlp, g))
    nlp.add_pipe("referat_da_rules")
    nlp.add_pipe("referat_da_people")
    return nlp
