"""Fill a meeting record's items with normalised entities, presenters and party links.

One ``nlp.pipe`` pass over every text of every item (title, part headings and texts, table
cells), then cheap Python over the parsed docs: participants matched by name (or by surname alone
when that is unambiguous), entities normalised, presenters read from "... præsenterede ...",
votes and protocol remarks linked to parties.

The second step needs what the first found in all of the record (the people named in full, the
acronyms defined), so every doc waits for it. A small record keeps its docs as they are; a big
one (over ``COMPACT_CHARS`` characters of text) keeps each doc only as a compressed array of the
token attributes the second step reads, and rebuilds one doc at a time from it: a parsed doc
holds ~40 bytes of memory per character of its text, its packed form ~2. The result is the same.
Over ``PARALLEL_CHARS``, when the caller offers a second process (``concurrently``: the layer
itself starts none), the first step parses half of the texts there; the result is the same again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy
from spacy.attrs import ENT_ID, ENT_IOB, ENT_KB_ID, ENT_TYPE, LEMMA, NORM, ORTH, SENT_START, SPACY
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from extractors.gazetteer import Gazetteer, load
from extractors.entities.nlp import get_nlp, merge_ents, norm_text
from extractors.entities.normalise import parse_date, parse_money, parse_percent
from schemas.entities import Entity, ItemEntities, PartyLink
from schemas.record import RecordWarning

LABELS = {
    "PERSON": "person", "MUNICIPALITY": "municipality", "REGION": "region", "PARTY": "party",
    "ORGANISATION": "organisation", "MONEY": "money", "PERCENT": "percent", "DATE": "date",
}
_PREPOSITIONS = {"i", "for", "hos", "ved", "fra", "af", "på"}
_PROTOCOL = re.compile(r"protokol", re.I)


@dataclass(frozen=True)
class Person:
    name: str
    participant: bool = False
    party: str | None = None
    municipality_code: int | None = None


@dataclass(slots=True)  # one per text of the record: ~50,000 in a 16 MB text
class _Text:
    item: int
    text: str
    part: int | None = None
    heading: bool = False  # the text is parts[part].heading ("... beslutning den 04.12.2012")
    table: int | None = None
    row: int | None = None
    col: int | None = None


def _texts(record) -> list[_Text]:
    out = []
    for i, item in enumerate(record.items):
        if item.title:  # an item numbered by position may show no title
            out.append(_Text(i, item.title))
        for p, part in enumerate(item.parts):
            if part.heading and re.search(r"\w", part.heading):
                out.append(_Text(i, part.heading, part=p, heading=True))
            out.append(_Text(i, part.text, part=p))
        for t, table in enumerate(item.tables):
            for r, row in enumerate(table.header_rows + table.rows):
                for c, cell in enumerate(row):
                    if cell.text and re.search(r"[^\W\d_]", cell.text):
                        out.append(_Text(i, cell.text, table=t, row=r, col=c))
    return out


# A run of this many characters without whitespace (a line of stars, a hash, a garbled line) is no
# word of an entity, and spaCy's tokenizer strips its affixes one at a time, in time quadratic in
# its length: it is read as spaces of the same length, which keeps every offset.
_LONG_RUN = re.compile(r"\S{100,}")


def _tokenizable(text: str) -> str:
    return _LONG_RUN.sub(lambda m: " " * len(m.group(0)), text)


def _name_key(text: str) -> str:
    return " ".join(norm_text(w) for w in re.sub(r"\s+", " ", text).split(" "))


class PeopleIndex:
    """Known people (participants, and people named in full somewhere in the record)."""

    def __init__(self, nlp, g: Gazetteer, participants, docs: Iterable[Doc] = (), home=None, *,
                 found: dict[str, str] | None = None) -> None:
        """`docs` are the record's parsed texts; or else `found` is what `names_in` collected
        from them."""
        self.nlp = nlp
        self.by_key: dict[str, Person] = {}
        people: list[Person] = []
        for p in participants:
            if not re.search(r"[^\W\d_]", p.name or ""):
                continue  # nothing to match a name by
            m = g.municipality_for(p.municipality) if p.municipality else home
            person = Person(p.name, True, p.party, m.code if m else None)
            if _name_key(p.name) not in self.by_key:
                people.append(person)
                self.by_key[_name_key(p.name)] = person
        if found is None:
            found = {}
            for doc in docs:
                self.names_in(doc, found)
        for key, name in found.items():
            # "Ib Poulsens forslag" is Ib Poulsen, if he is named so somewhere
            if self._lookup(key, self.by_key) is None and (_stem(key) not in found or _stem(key) == key):
                person = Person(name)
                people.append(person)
                self.by_key[key] = person
        # Short forms: first + last name, and the surname alone, when only one person has them.
        short: dict[str, set[Person]] = defaultdict(set)
        surnames: dict[str, set[Person]] = defaultdict(set)
        for person in people:
            words = person.name.split()
            if len(words) > 2:
                short[_name_key(f"{words[0]} {words[-1]}")].add(person)
            if len(words) >= 2:
                surnames[_name_key(words[-1])].add(person)
        self.short = {k: next(iter(v)) for k, v in short.items() if len(v) == 1 and k not in self.by_key}
        self.surname = {k: next(iter(v)) for k, v in surnames.items() if len(v) == 1}
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        norm = nlp.get_pipe("referat_da_norm")

        def written(label: str, key: str, person: Person) -> str:
            """The name as written, for its pattern: a norm of the lower-cased key would rejoin the
            hyphen of "bang-hansen" that the written "Bang-Hansen" keeps."""
            words = person.name.split()
            form = {"FULL": person.name, "SHORT": f"{words[0]} {words[-1]}", "SURNAME": words[-1]}[label]
            return form if _name_key(form) == key else key

        for label, table in (("FULL", self.by_key), ("SHORT", self.short), ("SURNAME", self.surname)):
            names = {written(label, k, p) for k, p in table.items()}
            forms = {f for n in names for f in (n, _genitive_key(n))}  # "Maja Højgaards forslag"
            docs_ = [norm(nlp.make_doc(f)) for f in sorted(forms)]
            if docs_:
                self.matcher.add(label, docs_)
        self.lemma_words = norm.table

    @staticmethod
    def names_in(doc: Doc, found: dict[str, str]) -> None:
        """Add the people a doc names in full (two words or more) to `found` (key -> name); the
        first naming of a key wins."""
        for ent in doc.ents:
            if ent.label_ == "PERSON" and len(ent) >= 2:
                found.setdefault(_name_key(ent.text), _clean_name(ent.text))

    @staticmethod
    def _lookup(key: str, table: dict[str, Person]) -> Person | None:
        return table.get(key) or table.get(_stem(key))

    def resolve(self, span: Span) -> Person | None:
        """The known person a mention names, by full name, first + last name, or surname alone;
        a genitive ("Højgaards") names the same person."""
        key = _name_key(span.text)
        return self._lookup(key, self.by_key) or self._lookup(key, self.short) or (
            self._lookup(key, self.surname) if len(span) == 1 else None
        )

    def add_mentions(self, doc: Doc) -> None:
        spans = []
        for match_id, start, end in self.matcher(doc):
            label = self.nlp.vocab.strings[match_id]
            span = Span(doc, start, end, label="PERSON")
            if not all(t._.cap or t.text in ("-", "'", "’") for t in span):  # "Hans Bang-Hansen"
                continue
            if label == "SURNAME":
                tok = doc[start]
                # A surname that is also a word ("Skov", "Bjørn") needs to be mid-sentence.
                if tok.is_sent_start and tok.norm_ in self.lemma_words:
                    continue
                if tok.ent_type_ and tok.ent_type_ != "PERSON":
                    continue
                # Part of a longer capitalised name ("Simon Hansen") is someone else.
                if start > 0 and doc[start - 1]._.cap and doc[start - 1].is_alpha and not doc[start - 1].is_sent_start:
                    continue
            spans.append(span)
        merge_ents(doc, spans, prefer_new=True)


def _stem(key: str) -> str:
    """A name key without a genitive ending: 'maja højgaards' -> 'maja højgaard'."""
    if key.endswith("'"):
        return key[:-1]
    if key.endswith("s") and not key.endswith("ss"):
        return key[:-1]
    return key


def _genitive_key(key: str) -> str:
    return key + "'" if key.endswith(("s", "x", "z")) else key + "s"


def _clean_name(text: str) -> str:
    return re.sub(r"(?<=[a-zæøå])-(?=[a-zæøå])", "", re.sub(r"\s+", " ", text)).strip()


def _role_and_org(doc: Doc, ent: Span, roles) -> tuple[str | None, str | None, int | None]:
    """Role and organisation from an apposition: 'Direktør X, KL', 'borgmester i Y, X',
    'X, managing director for Z'. Returns (role, organisation, municipality_code)."""
    role = org = None
    code = None

    def describe(tokens: list) -> tuple[str | None, str | None, int | None]:
        r_start = None
        for k, t in enumerate(tokens):
            if roles.role_end(doc, t.i) is not None:
                r_start = k
                break
        if r_start is None:
            return None, None, None
        rest = tokens[r_start:]
        cut = next((k for k, t in enumerate(rest) if k and t.norm_ in _PREPOSITIONS), None)
        # The organisation is the first organisation/municipality/region after the role; the role
        # runs up to the preposition before it ("Leder af enhed for samfundssikkerhed | i KL").
        organisation, mcode = None, None
        ents = [e for e in doc.ents if e.start > rest[0].i and e.end <= rest[-1].i + 1
                and e.label_ in ("ORGANISATION", "MUNICIPALITY", "REGION")]
        if ents:
            e = ents[0]
            organisation = _canonical_org(e)
            if e.label_ == "MUNICIPALITY":
                mcode = int(e.ent_id_.split(":")[1])
            at = next(k for k, t in enumerate(rest) if t.i == e.start)
            cut = at - 1 if at > 1 and rest[at - 1].norm_ in _PREPOSITIONS else at
        elif cut is not None:
            stop = next((k for k, t in enumerate(rest) if k > cut and (t.text == "," or (
                t.norm_ == "og" and not (0 < t.i < len(doc) - 1 and doc[t.i - 1].text[:1].isupper()
                                         and doc[t.i + 1].text[:1].isupper())))), len(rest))
            organisation = doc[rest[cut].i + 1: rest[stop - 1].i + 1].text or None
        role_tokens = rest[:cut] if cut is not None else rest[:1]
        return " ".join(t.text for t in role_tokens), organisation, mcode

    sent_start = ent.sent.start if doc.has_annotation("SENT_START") else 0
    # Before the name: "borgmester i Brøndby, X" / "Leder af enhed ... i KL X"
    left = []
    j = ent.start - 1
    if j >= sent_start and doc[j].text == ",":
        j -= 1
    while j >= sent_start and len(left) < 10:
        t = doc[j]
        if t.text in {",", ".", ";", ":", "(", ")"} or "\n" in t.text or t.ent_type_ == "PERSON":
            break
        if t.norm_ == "og" and not (j > 0 and doc[j - 1].text[:1].isupper() and doc[j + 1].text[:1].isupper()):
            break  # "og" ends the phrase, except inside a name ("for Teknik og Miljø")
        left.insert(0, t)
        j -= 1
    # The role must lead straight to the name: "Direktør X", "borgmester i Brøndby, X", not
    # "nye formand efter X".
    r_at = next((n for n, t in enumerate(left) if roles.role_end(doc, t.i) is not None), None)
    if r_at is not None:
        after = left[roles.role_end(doc, left[r_at].i) - left[0].i:]
        if not after or after[0].norm_ in _PREPOSITIONS:
            role, org, code = describe(left[r_at:])
            owner = next((e for e in doc.ents if e.end == left[r_at].i), None) if r_at else None
            if not org and owner is not None and owner.label_ in ("ORGANISATION", "MUNICIPALITY", "REGION") \
                    and owner.text.endswith(("s", "'")):
                # "Randers Kommunes direktør, X": the organisation owns the role
                org = _canonical_org(owner)
                if owner.label_ == "MUNICIPALITY":
                    code = int(owner.ent_id_.split(":")[1])
    # After the name: "X, managing director for Greater Copenhagen," / "X, KL"
    k = ent.end
    if k < len(doc) and doc[k].text == ",":
        right = []
        k += 1
        while k < len(doc) and len(right) < 14:
            t = doc[k]
            if t.text in {",", ".", ";", ":", "(", ")"} or "\n" in t.text or t.is_sent_start:
                break
            if t.norm_ == "og" and right and roles.role_end(doc, k + 1) is None:
                break
            right.append(t)
            k += 1
        if right:
            r, o, c = describe(right)
            if r:
                role = role or r
                org = org or o
                code = code or c
            elif right[0].ent_type_ in ("ORGANISATION", "MUNICIPALITY") and right[0].ent_iob_ == "B":
                # "X, KL deltager" / "X, Randers Kommune, deltog": the apposition is the organisation.
                e = next(e for e in doc.ents if e.start == right[0].i)
                if e.end == right[-1].i + 1 or len(right) <= len(e) + 1:
                    if not org:
                        org = _canonical_org(e)
                        if e.label_ == "MUNICIPALITY":
                            code = code or int(e.ent_id_.split(":")[1])
            if role and not org and k < len(doc) - 1 and doc[k].text == "," and doc[k + 1].ent_type_ == "ORGANISATION":
                e = next(e for e in doc.ents if e.start == k + 1)
                org = _canonical_org(e)
    return role, org, code


def _canonical_org(ent: Span) -> str:
    g = load()
    ident = ent.ent_id_
    if ent.label_ == "MUNICIPALITY":
        return g.by_code[int(ident.split(":")[1])].name
    if ent.label_ == "REGION":
        return ident.split(":", 1)[1] if not ident.split(":", 1)[1].isdigit() else g.region_by_code[int(ident.split(":")[1])].name
    if ident == "org:*":  # an agency by its ending, or "Aarhus Havn"
        text = _clean_name(ent.text)
        return re.sub(r"(?<=(en|et))s$", "", text)
    return ident.split(":", 1)[1]


def _entity(ent: Span, loc: _Text, people: PeopleIndex, roles, reference: dt.date | None,
            year_hint: int | None) -> Entity | None:
    g = load()
    label = ent.label_
    base = dict(type=LABELS[label], text=ent.text, start=ent.start_char, end=ent.end_char, part=loc.part,
                heading=True if loc.heading else None, table=loc.table, row=loc.row, col=loc.col)
    ident = ent.ent_id_
    if label == "PERSON":
        person = people.resolve(ent)
        role, org, code = _role_and_org(ent.doc, ent, roles)
        if person:
            return Entity(**base, name=person.name, participant=person.participant, party_letter=person.party,
                          municipality_code=person.municipality_code or code, role=role, organisation=org)
        return Entity(**base, name=_clean_name(ent.text), participant=False, role=role, organisation=org,
                      municipality_code=code)
    if label == "MUNICIPALITY":
        m = g.by_code[int(ident.split(":")[1])]
        region = g.region_by_code[m.region_code]
        return Entity(**base, name=m.name, municipality_code=m.code, region=region.name, region_code=region.code)
    if label == "REGION":
        key = ident.split(":", 1)[1]
        if key.isdigit():
            r = g.region_by_code[int(key)]
            return Entity(**base, name=r.name, region=r.name, region_code=r.code)
        return Entity(**base, name=key, region=key)
    if label == "PARTY":
        letter = ident.split(":", 1)[1]
        party = g.by_letter.get(letter)
        return Entity(**base, name=party.name if party else None, party_letter=letter)
    if label == "ORGANISATION":
        return Entity(**base, name=_canonical_org(ent))
    if label == "MONEY":
        values = parse_money(ent.text)
        return Entity(**base, **values) if values else None
    if label == "PERCENT":
        values = parse_percent(ent.text)
        return Entity(**base, **values) if values else None
    if label == "DATE":
        ref = reference
        if year_hint and not re.search(r"(19|20)\d\d", ent.text):
            ref = dt.date(year_hint, 1, 1)
        values = parse_date(ent.text, ref)
        return Entity(**base, **values) if values else None
    return None


def _year_hints(doc: Doc) -> dict[int, int]:
    """For a day without a year ('14. maj - 14. juni 2026'), the year of the next dated day in
    the same sentence."""
    hints = {}
    dates = [e for e in doc.ents if e.label_ == "DATE"]
    for n, e in enumerate(dates):
        if re.search(r"(19|20)\d\d", e.text):
            continue
        for later in dates[n + 1:]:
            if later.sent.start != e.sent.start:
                break
            m = re.search(r"(?:19|20)\d\d", later.text)
            if m:
                hints[e.start] = int(m.group(0))
                break
    return hints


# Verbs of presenting, as lemmas; only their past tense counts ("præsenterede", "fremlagde",
# "gennemgik", "orienterede"): "vil præsentere" in a case's background is a plan, not a record.
PRESENTING = {"præsentere": "præsent", "fremlægge": "fremla", "gennemgå": "gennemg", "orientere": "orient"}
_PAST = ("ede", "te", "lagde", "gik")


def _presenters(doc: Doc, text: str, people: PeopleIndex) -> list[str]:
    """People named before a past-tense "præsenterede" (or fremlagde, gennemgik, orienterede) in
    the same sentence."""
    names = []
    persons = [e for e in doc.ents if e.label_ == "PERSON"]
    lowered = text.lower()  # the source string: Doc.text would rebuild it from the tokens
    if not persons or not any(stem in lowered for stem in PRESENTING.values()):
        return names
    for tok in doc:
        if tok.lemma_ in PRESENTING and tok.norm_ != tok.lemma_ and tok.norm_.endswith(_PAST):
            sent_start = tok.sent.start
            for ent in persons:
                if sent_start <= ent.start and ent.end <= tok.i:
                    person = people.resolve(ent)
                    names.append(person.name if person else _clean_name(ent.text))
    return names


def _protocol_links(doc: Doc, loc: _Text, people: PeopleIndex) -> list[PartyLink]:
    """Sentences asking for a protocol remark ("SF ønskede protokolleret", "ført til protokol"),
    linked to the parties named in them, or else to the party of a participant named in them."""
    g = load()
    links = []
    if "protokol" not in loc.text.lower():
        return links
    for sent in doc.sents:
        if not any(_PROTOCOL.match(t.norm_) or t.lemma_ == "protokollere" for t in sent):
            continue
        found: dict[str, Span] = {}
        for ent in sent.ents:
            if ent.label_ == "PARTY":
                found.setdefault(ent.ent_id_.split(":", 1)[1], ent)
        if not found:
            for ent in sent.ents:
                person = people.resolve(ent) if ent.label_ == "PERSON" else None
                if person and person.party:
                    found.setdefault(person.party, ent)
        for letter, ent in found.items():
            party = g.by_letter.get(letter)
            links.append(PartyLink(kind="protocol_note", party_letter=letter,
                                   party_name=party.name if party else None,
                                   text=loc.text[sent.start_char:sent.end_char].strip(),  # not the spaced-out runs
                                   part=loc.part, start=ent.start_char, end=ent.end_char))
    return links


def _add_acronyms(doc: Doc, acronyms: dict[str, str]) -> None:
    """Mentions of acronyms defined anywhere in the record ("SPU" after "... (SPU)")."""
    spans = []
    for tok in doc:
        if tok.ent_type:
            continue
        text = tok.text
        key = text[:-2] if text.endswith(("'s", "’s")) else text
        if key in acronyms:
            spans.append(Span(doc, tok.i, tok.i + 1, label="ORGANISATION", span_id=f"org:{acronyms[key]}"))
    merge_ents(doc, spans)


# Records with more characters of text than this keep their docs packed between the two steps
# (module docstring): ~10 % slower (each doc is rebuilt), a twentieth of the memory.
COMPACT_CHARS = 500_000

# What the second step reads of a doc: the tokens (ORTH, SPACY), their norms and lemmas, sentence
# starts and entities. Norms are stored although the vocab has them: a tokenizer exception sets
# its own on the token.
_PACKED = [ORTH, SPACY, NORM, LEMMA, SENT_START, ENT_IOB, ENT_TYPE, ENT_ID, ENT_KB_ID]


def _pack(doc: Doc) -> tuple[int, bytes]:
    """A doc as few bytes: the arrays of its attributes in _PACKED, compressed; its strings stay
    in the vocab (they are never removed from it)."""
    return len(doc), zlib.compress(doc.to_array(_PACKED).tobytes(), 1)


def _unpack(vocab, packed: tuple[int, bytes]) -> Doc:
    """The doc `_pack` packed, with the same text, tokens and annotations."""
    n, data = packed
    if not n:
        return Doc(vocab, words=[])
    array = numpy.frombuffer(zlib.decompress(data), dtype="uint64").reshape(n, len(_PACKED))
    strings = vocab.strings
    doc = Doc(vocab, words=[strings[orth] for orth in array[:, 0].tolist()],
              spaces=[bool(space) for space in array[:, 1].tolist()])
    doc.from_array(_PACKED[2:], numpy.ascontiguousarray(array[:, 2:]))
    return doc


# Records with more characters of text than this have the first step run in two processes when
# the caller offers a second one (annotate's `concurrently`): each parses half of the texts.
PARALLEL_CHARS = 200_000


def _parsed(nlp, texts: list[_Text], found: dict[str, str], acronyms: dict[str, str],
            concurrently=None) -> Iterable[Doc]:
    """The docs of `texts` in order, for the second step, once the first (people named in full
    into `found`, acronyms defined into `acronyms`) has read all of them."""
    total = sum(len(t.text) for t in texts)
    if concurrently is not None and total > PARALLEL_CHARS:
        return _parsed_in_two(nlp, texts, found, acronyms, concurrently)
    plain = [t.text for t in texts]
    if total <= COMPACT_CHARS:
        return _first_step(nlp, plain, found, acronyms, keep=lambda doc: doc)
    return _unpacked(nlp.vocab, _first_step(nlp, plain, found, acronyms))


def _first_step(nlp, texts: list[str], found: dict[str, str], acronyms: dict[str, str], keep=None) -> list:
    """The first step over `texts`: the people each names in full into `found`, the acronyms it
    defines into `acronyms`; of each doc what `keep` makes of it (default: packed)."""
    keep = keep or _pack
    out = []
    for doc in nlp.pipe(_tokenizable(t) for t in texts):
        PeopleIndex.names_in(doc, found)
        acronyms.update(doc._.acronyms or {})
        out.append(keep(doc))
    return out


_STRING_COLUMNS = [i for i, attr in enumerate(_PACKED) if attr not in (SPACY, SENT_START, ENT_IOB)]


def _parse_elsewhere(nlp, texts: list[str]) -> tuple[list, dict[str, str], dict[str, str], list[str]]:
    """`_first_step` in another process: the packed docs, people and acronyms, with the strings
    the packed docs refer to, which that process's vocab learnt and the caller's has not."""
    found: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    packed = _first_step(nlp, texts, found, acronyms)
    hashes: set[int] = set()
    for n, data in packed:
        if n:
            array = numpy.frombuffer(zlib.decompress(data), dtype="uint64").reshape(n, len(_PACKED))
            hashes.update(numpy.unique(array[:, _STRING_COLUMNS]).tolist())
    strings = nlp.vocab.strings
    return packed, found, acronyms, [strings[h] for h in hashes if h in strings]


def _parsed_in_two(nlp, texts: list[_Text], found: dict[str, str], acronyms: dict[str, str],
                   concurrently) -> Iterable[Doc]:
    """`_parsed` with the second half of the texts (by characters) parsed in another process
    (`concurrently(func, *args)` runs it there and returns a handle whose `result()` is what it
    returned, `cancel()` stops it), the first half here meanwhile. The same docs, people and
    acronyms as one process finds: each is merged in text order."""
    sizes = numpy.cumsum([len(t.text) for t in texts])
    half = min(len(texts) - 1, int(numpy.searchsorted(sizes, sizes[-1] / 2)) + 1)
    elsewhere = concurrently(_parse_elsewhere, nlp, [t.text for t in texts[half:]])
    try:
        mine = _first_step(nlp, [t.text for t in texts[:half]], found, acronyms)
    except BaseException:
        elsewhere.cancel()
        raise
    theirs, their_people, their_acronyms, strings = elsewhere.result()
    add = nlp.vocab.strings.add
    for string in strings:
        add(string)
    for key, name in their_people.items():  # the first naming of a key wins, as in one pass
        found.setdefault(key, name)
    acronyms.update(their_acronyms)  # a later definition wins, as in one pass
    return _unpacked(nlp.vocab, mine + theirs)


# With a cache (annotate's `cache`: an object with get(texts) -> {text: bytes} and put({text: bytes}),
# pipeline.entity_cache), the first step of each distinct text is kept as one entry of bytes: the
# people it names in full, the acronyms it defines, the strings its tokens refer to, and its packed
# doc. A text's entry depends on nothing but the text (and the code and data the cache's key
# covers), so a text seen before, in this record or any other, is not parsed again.


def _entry(doc: Doc) -> tuple[bytes, list, dict[str, str]]:
    """What the first step made of one doc, as bytes (see _from_entry); and its people and
    acronyms as _from_entry reads them."""
    names = [[_name_key(e.text), _clean_name(e.text)] for e in doc.ents if e.label_ == "PERSON" and len(e) >= 2]
    defined = doc._.acronyms or {}
    n = len(doc)
    array = doc.to_array(_PACKED) if n else numpy.zeros((0, len(_PACKED)), dtype="uint64")
    strings = doc.vocab.strings
    hashes = set(array[:, _STRING_COLUMNS].ravel().tolist())  # not numpy.unique: it imports numpy.ma
    meta = json.dumps([n, names, defined, sorted(strings[h] for h in hashes if h in strings)],
                      ensure_ascii=False, separators=(",", ":"))
    data = meta.encode("utf-8", "surrogatepass") + b"\0" + array.astype("uint64").tobytes()
    return zlib.compress(data, 1), names, defined


def _from_entry(value: bytes) -> tuple[list, dict[str, str], list[str], int, bytes]:
    """(names, acronyms, strings, token count, attribute array bytes) of an entry."""
    data = zlib.decompress(value)
    cut = data.index(b"\0")
    n, names, acronyms, strings = json.loads(data[:cut].decode("utf-8", "surrogatepass"))
    return names, acronyms, strings, n, data[cut + 1:]


def _entries_of(nlp, texts: list[str], keep: dict[str, Doc] | None = None) -> list[bytes]:
    """The entry of each of `texts` (already tokenizable), parsed here; each doc into `keep`."""
    out = []
    for text, doc in zip(texts, nlp.pipe(texts)):
        out.append(_entry(doc)[0])
        if keep is not None:
            keep[text] = doc
    return out


def _parsed_cached(nlp, texts: list[_Text], found: dict[str, str], acronyms: dict[str, str], cache,
                   concurrently=None) -> Iterable[Doc]:
    """`_parsed` with a cache: the distinct texts it lacks are parsed (over PARALLEL_CHARS of them,
    half in a second process when `concurrently` is offered) and added to it; the people and
    acronyms are then read off the entries in text order, and each text's doc is the one parsed
    here (its first occurrence, in a record under COMPACT_CHARS) or one rebuilt from its entry:
    the same as `_parsed` finds."""
    plain = [_tokenizable(t.text) for t in texts]
    try:
        entries = dict(cache.get(plain))
    except Exception:  # noqa: BLE001 - a cache that fails is only slower
        entries = {}
    missing = [t for t in dict.fromkeys(plain) if t not in entries]
    kept: dict[str, Doc] | None = {} if sum(map(len, plain)) <= COMPACT_CHARS else None
    fresh: dict[str, bytes] = {}
    if missing:
        if concurrently is not None and sum(map(len, missing)) > PARALLEL_CHARS:
            sizes = numpy.cumsum([len(t) for t in missing])
            half = min(len(missing) - 1, int(numpy.searchsorted(sizes, sizes[-1] / 2)) + 1)
            elsewhere = concurrently(_entries_of, nlp, missing[half:])
            try:
                mine = _entries_of(nlp, missing[:half])
            except BaseException:
                elsewhere.cancel()
                raise
            fresh = dict(zip(missing, mine + elsewhere.result()))
        else:
            fresh = dict(zip(missing, _entries_of(nlp, missing, kept)))
        entries.update(fresh)
        try:
            cache.put(fresh)
        except Exception:  # noqa: BLE001
            pass
        del fresh
    add = nlp.vocab.strings.add
    told: dict[str, tuple[list, dict[str, str]]] = {}
    arrays: dict[str, tuple[int, bytes] | bytes] = {}
    for text in dict.fromkeys(plain):
        if kept and text in kept:  # parsed here: its doc is at hand, and its strings in the vocab
            doc = kept[text]
            told[text] = ([[_name_key(e.text), _clean_name(e.text)] for e in doc.ents
                           if e.label_ == "PERSON" and len(e) >= 2], doc._.acronyms or {})
            arrays[text] = entries[text]  # read only if the text comes again
            continue
        names, defined, strings, n, array = _from_entry(entries[text])
        for string in strings:
            add(string)
        told[text] = (names, defined)
        arrays[text] = (n, array)
    del entries
    for text in plain:  # people and acronyms in text order, as one pass over the texts finds them
        names, defined = told[text]
        for key, name in names:
            found.setdefault(key, name)
        acronyms.update(defined)
    return _docs_of(nlp.vocab, plain, arrays, kept or {})


def _docs_of(vocab, plain: list[str], arrays: dict, kept: dict[str, Doc]) -> Iterable[Doc]:
    """A doc of each text: the one parsed here for its first occurrence, else one rebuilt from the
    attribute array of its entry (a new doc every time: the second step changes them)."""
    for text in plain:
        doc = kept.pop(text, None)
        if doc is not None:
            yield doc
            continue
        value = arrays[text]
        n, data = value if isinstance(value, tuple) else _from_entry(value)[3:]
        if not n:
            yield Doc(vocab, words=[])
            continue
        array = numpy.frombuffer(data, dtype="uint64").reshape(n, len(_PACKED))
        strings = vocab.strings
        doc = Doc(vocab, words=[strings[orth] for orth in array[:, 0].tolist()],
                  spaces=[bool(space) for space in array[:, 1].tolist()])
        doc.from_array(_PACKED[2:], numpy.ascontiguousarray(array[:, 2:]))
        yield doc


def _unpacked(vocab, packed: list) -> Iterable[Doc]:
    """The packed docs rebuilt one at a time, each dropped from `packed` as it is rebuilt."""
    for n in range(len(packed)):
        doc = _unpack(vocab, packed[n])
        packed[n] = None  # its bytes are not needed again
        yield doc


def annotate_items(record, concurrently=None, cache=None) -> list[ItemEntities]:
    """The entities of every item of a record, in item order (the record is not changed). With
    `concurrently` (see _parsed_in_two), a big record's texts are parsed in two processes; with
    `cache` (see _parsed_cached), texts parsed before are read from it: the same entities."""
    nlp = get_nlp()
    g = load()
    roles = nlp.get_pipe("referat_da_people")
    texts = _texts(record)
    found: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    if cache is not None:
        docs = _parsed_cached(nlp, texts, found, acronyms, cache, concurrently)
    else:
        docs = _parsed(nlp, texts, found, acronyms, concurrently)
    # the people an item records as absent are people, however their names read ("Hans Bang-Hansen")
    for name in (n for item in record.items for n in item.absent):
        if len(name.split()) >= 2:
            found.setdefault(_name_key(name), name)
    people = PeopleIndex(nlp, g, record.participants, home=_home_municipality(record, g), found=found)
    reference = record.meeting.date if record.meeting else None
    results = [ItemEntities() for _ in record.items]
    for loc, doc in zip(texts, docs):
        if acronyms and any(a in loc.text for a in acronyms):
            _add_acronyms(doc, acronyms)
        people.add_mentions(doc)
        hints = _year_hints(doc)
        out = results[loc.item]
        for ent in doc.ents:
            e = _entity(ent, loc, people, roles, reference, hints.get(ent.start))
            if e is not None:
                out.entities.append(e)
        for name in _presenters(doc, loc.text, people):
            if name not in out.presenters:
                out.presenters.append(name)
        if loc.part is not None and not loc.heading and record.items[loc.item].parts[loc.part].kind == "decision":
            out.party_links.extend(_protocol_links(doc, loc, people))
    del docs
    for i, item in enumerate(record.items):
        out = results[i]
        for v, vote in enumerate(item.votes):
            for letter in vote.parties:
                party = g.by_letter.get(letter)
                out.party_links.append(PartyLink(kind="vote", party_letter=letter, vote=v,
                                                 party_name=party.name if party else None, text=vote.text))
        # Protocol notes the record lists but that no decision part carried.
        linked = {(l.party_letter, l.text) for l in out.party_links}
        if item.decision:
            for note in item.decision.protocol_notes:
                if any(l.kind == "protocol_note" and note.strip()[:40] in l.text for l in out.party_links):
                    continue
                for doc in nlp.pipe([_tokenizable(note)]):
                    for ent in doc.ents:
                        if ent.label_ == "PARTY":
                            letter = ent.ent_id_.split(":", 1)[1]
                            if (letter, note) not in linked:
                                linked.add((letter, note))
                                party = g.by_letter.get(letter)
                                out.party_links.append(PartyLink(kind="protocol_note", party_letter=letter,
                                                                 party_name=party.name if party else None,
                                                                 text=note))
    return results


def _home_municipality(record, g: Gazetteer):
    """The municipality whose own committee met ("Gribskov Kommune" over "Økonomiudvalget"): its
    members sit for it even when the attendance list does not say so. None for a KKR or a region."""
    meeting = record.meeting
    authority = getattr(meeting, "authority", None) if meeting else None
    return g.municipality_for(authority) if authority else None


def annotate(record, concurrently=None, cache=None):
    """Fill entities, presenters and party links on each item, and participants' municipality
    codes, in place; returns the record. Never raises on a record: should the layer fail, the
    record keeps its other fields and gets an ``entities_failed`` warning. `concurrently`: a
    second process for a big record's first step (annotate_items); `cache`: texts parsed before
    (annotate_items)."""
    g = load()
    home = _home_municipality(record, g)
    for p in record.participants:
        m = g.municipality_for(p.municipality) if p.municipality else home
        p.municipality_code = m.code if m else None
    try:
        results = annotate_items(record, concurrently, cache)
    except Exception as err:  # noqa: BLE001 - a record without entities beats no record
        record.warnings.append(RecordWarning(code="entities_failed", message=f"entity layer: {err!r}"))
        return record
    for item, found in zip(record.items, results):
        item.entities = found.entities
        item.presenters = found.presenters
        item.party_links = found.party_links
    return record
