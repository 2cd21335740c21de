"""The spaCy pipeline: ``spacy.blank("da")`` plus rule components fed by extractors/data/.

Built once per process (``get_nlp``, lru_cache) and reused; nothing is downloaded. In order:

- tokenizer: special cases for Danish abbreviations (data/abbreviations.txt), so ``bl.a.``,
  ``mio.``, ``kr.`` stay single tokens; ``mio.kr.`` and ``kr./indbygger`` are split, and company
  forms (``A/S``) are one token, also before a full stop;
- ``referat_da_norm``: the norm of every word type (set once on the vocab's lexemes) is lower
  case with in-word line-break hyphens rejoined (``Jør-gensen`` -> ``jørgensen``) and an
  apostrophe genitive dropped (``KL's`` -> ``kl``); ``Token.lemma_`` from the lookup lemmatizer
  data of spacy-lookups-data (``da``), looked up in lower case;
- ``referat_da_sentences``: sentence starts after . ! ?, after a sentence-final abbreviation
  (``kr.``, ``pct.``) before a capital, and after line breaks; ``bl.a.``/``jf.``/``ca.`` never end one;
- ``entity_ruler``: phrase patterns on NORM for the gazetteers (municipalities with generated
  inflections, regions, parties, organisations);
- ``referat_da_rules``: checks the gazetteer matches (capitals, acronyms in capitals, names that
  are also words such as ``Vejen``), turns ``Aarhus Havn`` and ``Folkesundhed København`` into
  organisations, finds agencies by their ending (``-styrelsen``), companies by their form or trade
  (``COWI A/S``, ``Lundgaard Konsulenterne``) and organisations defined by an acronym
  (``... (SPU)``, but not ``Ungdomsuddannelsescenter (UUC) Maglemosen``), and runs a Matcher for
  money (``64 kr. i døgnet`` is per day), percentages (``Svarprocenten er på 80``), dates
  (``2010–2012``, ``ved udgangen af 2013``) and party letters ``(Ø)`` over candidate windows only;
- ``referat_da_people``: people by first name (data/first_names.txt) or introduced by a role
  (data/roles.txt: ``Direktør Stine Johansen``, ``borgmester i Brøndby, Maja Højgaard``).

Entity labels: PERSON, MUNICIPALITY, REGION, PARTY, ORGANISATION, MONEY, PERCENT, DATE. Gazetteer
entities carry their key in ``Span.ent_id_`` (``muni:101``, ``region:1084``, ``party:F``,
``org:KL``). Participants, normalisation and links are added per record by ``annotate``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy
import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.attrs import ENT_TYPE, LEMMA, NORM, SENT_START
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from extractors.gazetteer import Gazetteer, genitive, load
from extractors.lexicon import danish_lemmas
from extractors.entities.normalise import (
    MONTH_WORDS, PER_TIME_DEFINITE, PHASE_NOUNS, PHASES, SEASONS, YEAR_PHASE_NOUNS, parse_date,
)

if not Doc.has_extension("acronyms"):
    Doc.set_extension("acronyms", default=None)  # {"SPU": "Strategisk Partnerskab om Uddannelse"}
if not Token.has_extension("cap"):
    Token.set_extension("cap", getter=lambda t: t.text[:1].isupper())

_SOFT_HYPHEN = re.compile(r"(?<=[a-zæøåé])-(?=[a-zæøå])")
_GENITIVE = re.compile(r"['’]s?$")


def norm_text(text: str) -> str:
    """The matching key of a token: lower case, line-break hyphens rejoined, ``'s`` dropped."""
    t = _SOFT_HYPHEN.sub("", text)
    if len(t) > 2:
        t = _GENITIVE.sub("", t)
    return t.lower()


_TEXTS = "referat_texts"  # doc.user_data key: every token's text, set by the norm component


def token_texts(doc: Doc) -> list[str]:
    """Every token's text, read off the ORTH array: a Token object per token (``[t.text for t in
    doc]``) costs more than the components' own work. Shared by the components of one doc (the
    people component, the last, removes it)."""
    texts = doc.user_data.get(_TEXTS)
    if texts is None or len(texts) != len(doc):
        strings = doc.vocab.strings
        texts = [strings[o] for o in doc.to_array(ORTH).tolist()]
        doc.user_data[_TEXTS] = texts
    return texts


def merge_ents(doc: Doc, spans: list[Span], *, prefer_new: bool = False) -> None:
    """Add spans to doc.ents; overlaps resolved longest-first (ties: existing, or new if prefer_new)."""
    if not spans:
        return
    ordered = list(spans) + list(doc.ents) if prefer_new else list(doc.ents) + list(spans)
    doc.ents = filter_spans(ordered)


@Language.factory("referat_da_norm")
def make_norm(nlp: Language, name: str):
    return NormComponent(danish_lemmas())  # the table normalisation also reads: loaded once


class NormComponent:
    """Norms are set once per word type on the vocab's lexemes (tokens inherit them); lemmas per
    token from an array, so the component costs little more than the tokenizer."""

    def __init__(self, table) -> None:
        self.table = table
        self.lemma_of: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        vocab = doc.vocab
        strings = vocab.strings
        lemma_of = self.lemma_of
        orths = doc.to_array(ORTH)
        orth_list = orths.tolist()
        text_of = {}
        for orth in set(orth_list):
            text = text_of[orth] = strings[orth]
            if orth not in lemma_of:
                norm = norm_text(text)
                vocab[orth].norm_ = norm
                lemma_of[orth] = strings.add(self.table.get(norm, norm))
        lemmas = numpy.fromiter((lemma_of[o] for o in orth_list), dtype="uint64", count=len(orths))
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        doc.user_data[_TEXTS] = [text_of[o] for o in orth_list]
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
        texts = token_texts(doc)
        starts = numpy.full(n, -1, dtype="int64")
        starts[0] = 1
        pending = False
        for i in range(n - 1):
            text = texts[i]
            nxt = texts[i + 1]
            if text in self.END or "\n" in text:
                pending = True
            elif text.lower() in self.final and nxt[:1].isupper():
                pending = True
            if pending and not nxt.isspace():
                starts[i + 1] = 1  # whitespace stays with the sentence before it
                pending = False
        doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))
        return doc


def _forms(text: str) -> list[str]:
    return list(dict.fromkeys([text, genitive(text)]))


def gazetteer_patterns(g: Gazetteer) -> list[dict]:
    """EntityRuler phrase patterns, matched on NORM (see referat_da_norm): one hash lookup per
    token however long the gazetteers grow. Case is checked afterwards (RulesComponent)."""
    patterns: list[dict] = []
    for m in g.municipalities:
        for form in m.forms:
            for f in _forms(form):
                for suffix in (" Kommune", " Kommunes"):
                    patterns.append({"label": "MUNICIPALITY", "pattern": f + suffix, "id": f"muni:{m.code}"})
                ident = f"muni:{m.code}:ctx" if m.context else f"muni:{m.code}"
                patterns.append({"label": "MUNICIPALITY", "pattern": f, "id": ident})
    for r in g.regions:
        key = f"region:{r.code}" if r.code else f"region:{r.name}"
        for form in r.forms:
            for f in _forms(form):
                patterns.append({"label": "REGION", "pattern": f, "id": key})
    for party in g.parties:
        for form in party.forms:
            if len(form) < 2:
                continue  # single letters only in parentheses (referat_da_rules)
            for f in _forms(form):
                patterns.append({"label": "PARTY", "pattern": f, "id": f"party:{party.letter}"})
    for canonical, forms in g.organisations.items():
        for form in forms:
            for f in _forms(form):
                patterns.append({"label": "ORGANISATION", "pattern": f, "id": f"org:{canonical}"})
    return patterns  # state agencies by their ending ("-styrelsen"): RulesComponent


def acronyms(g: Gazetteer) -> set[str]:
    """Norms of gazetteer words written in capitals (KL, SF, DE): matched only in capitals."""
    words = [w for forms in g.organisations.values() for f in forms for w in f.split()]
    words += [w for p in g.parties for f in p.forms for w in f.split()]
    return {norm_text(w) for w in words if len(w) > 1 and w.isupper()}


def _number_shapes() -> list[str]:
    """Token shapes of Danish numbers: 4,6 / 1.363 / 0,59 / +11 / 10.000,50 (SHAPE is a hash
    lookup, so the Matcher need not run a regex on every token)."""
    ints = ["d", "dd", "ddd", "dddd"] + [h + ".ddd" * k for h in ("d", "dd", "ddd") for k in (1, 2, 3)]
    return [sign + i + dec for sign in ("", "+", "-") for i in ints for dec in ("", ",d", ",dd", ",ddd", ",dddd")]


NUMBER_SHAPES = _number_shapes()
SCALE_WORDS = ["mio.", "mio", "mia.", "mia", "mill.", "million", "millioner", "milliard",
               "milliarder", "tusind", "t."]
KR_WORDS = ["kr.", "kr", "kroner", "krone", "dkk", "tkr.", "t.kr."]
PCT_WORDS = ["pct.", "pct", "procent", "%"]
RATE_VERBS = ["er", "var", "blev", "bliver", "ligger", "lå"]
APPROX_WORDS = ["ca.", "cirka", "omkring", "godt", "knap", "næsten", "over", "under"]
DATE_SHAPES = [f"{d}{sep}{m}{sep}dddd" for d in ("d", "dd") for m in ("d", "dd") for sep in "-./"]


def rule_patterns() -> dict[str, list[list[dict]]]:
    num = {"SHAPE": {"IN": NUMBER_SHAPES}}
    num_or_stray_period = {"SHAPE": {"IN": NUMBER_SHAPES + ["d.", "dd.", "ddd."]}}  # "1. mio. kr."
    scale = {"LOWER": {"IN": SCALE_WORDS}, "OP": "?"}
    kr = {"LOWER": {"IN": KR_WORDS}}
    money = [num_or_stray_period, scale, kr]
    per_word = {"TEXT": {"REGEX": r"^[a-zæøå]{2,}\.?$"}}  # indbygger, husstand, md.
    day = {"SHAPE": {"IN": ["d.", "dd."]}}
    month = {"LOWER": {"IN": MONTH_WORDS}}
    year = {"SHAPE": "dddd"}
    return {
        "MONEY": [
            money,
            money + [{"ORTH": "/"}, per_word],
            money + [{"LOWER": {"IN": ["pr.", "per"]}}, per_word],
            # "64 kr. i døgnet", "120 kr. om måneden": a price per span of time
            money + [{"LOWER": {"IN": ["i", "om"]}}, {"LOWER": {"IN": sorted(PER_TIME_DEFINITE)}}],
            [{"LOWER": {"IN": ["kr.", "dkk"]}}, num, scale],
        ],
        "PERCENT": [[num, {"LOWER": {"IN": PCT_WORDS}}]],
        # "Gennemførselsprocenten er på 100": a rate named as a percentage; trimmed to the number
        "PERCENT_RATE": [[{"LOWER": {"REGEX": r"procenten$"}}, {"LOWER": {"IN": RATE_VERBS}},
                          {"LOWER": "på", "OP": "?"}, {"LOWER": {"IN": APPROX_WORDS}, "OP": "?"}, num]],
        "DATE": [
            [day, month, year],
            [day, month],
            [month, year],
            [{"LOWER": {"IN": list(PHASES)}}, month, year],
            [{"LOWER": {"IN": list(PHASES)}}, year],
            # "ved udgangen af 2013", "i starten af 2027", "ved årets udgang 2011": primo/medio/ultimo of
            # the year. Of a month, the month: "slutningen af august 2025" is "august 2025" (sample gold).
            [{"LOWER": {"IN": list(PHASE_NOUNS)}}, {"LOWER": "af"}, {"LOWER": "året", "OP": "?"}, year],
            [{"LOWER": "årets"}, {"LOWER": {"IN": list(YEAR_PHASE_NOUNS)}}, year],
            [{"SHAPE": {"IN": DATE_SHAPES + ["dddd-dd-dd"]}}],
            [{"SHAPE": {"IN": ["dddd-dddd", "dddd-dd", "dddd–dddd", "dddd–dd"]}}],  # hyphen or en dash
            [{"LOWER": {"IN": ["første", "andet", "anden", "tredje", "fjerde", "1.", "2.", "3.", "4."]}},
             {"LOWER": {"IN": ["kvartal", "halvår"]}}, {"LOWER": {"IN": ["af", "i"]}, "OP": "?"}, year],
            [{"LOWER": {"IN": list(SEASONS)}}, year],
        ],
        # "den 4/9 2026", "d. 4/9-26": short dates only after "den", then trimmed to the date.
        "DATE_DEN": [
            [{"LOWER": {"IN": ["den", "d."]}}, {"SHAPE": {"IN": ["d/d", "d/dd", "dd/d", "dd/dd"]}}, year],
            [{"LOWER": {"IN": ["den", "d."]}}, {"SHAPE": {"IN": ["d/d-dd", "d/dd-dd", "dd/d-dd", "dd/dd-dd",
                                                                   "d/d-dddd", "d/dd-dddd", "dd/d-dddd", "dd/dd-dddd"]}}],
            [{"LOWER": {"IN": ["den", "d."]}}, {"SHAPE": {"IN": ["d/d", "d/dd", "dd/d", "dd/dd"]}}],
        ],
        "PARTY_LETTER": [[{"ORTH": "("}, {"ORTH": {"IN": []}}, {"ORTH": ")"}]],  # letters filled in
    }


@Language.factory("referat_da_rules")
def make_rules(nlp: Language, name: str):
    return RulesComponent(nlp, load())


class RulesComponent:
    """Checks the gazetteer matches, finds state agencies by their ending, and runs a Matcher for
    money, percentages, dates and party letters -- only over windows that start at a token that
    can start one of its patterns (a number, a month, "kr.", "primo", "(", ...), which keeps the
    Matcher's per-token predicates off the bulk of the text."""

    GAZETTEER = {"MUNICIPALITY", "REGION", "PARTY", "ORGANISATION"}
    AGENCY = re.compile(r"^(?!.*bestyrelse)[a-zæøå]{3,}(styrelsen|ministeriet|tilsynet|direktoratet)s?$")
    STARTERS = re.compile(r"^[+-]?\d[\d.,/–-]*$|^\($")
    WINDOW = 8  # longer than any pattern

    def __init__(self, nlp: Language, g: Gazetteer) -> None:
        self.acronyms = acronyms(g)
        self.matcher = Matcher(nlp.vocab)
        patterns = rule_patterns()
        self.letters = g.letters
        self.org_heads = g.organisation_heads
        self.place_nouns = g.place_nouns
        self.org_prefixes = g.organisation_prefixes
        # trade words also in the genitive ("Lundgaard Konsulenternes"), to their base form
        self.company_words = {w: w for w in g.company_words}
        self.company_words.update({genitive(w): w for w in g.company_words - g.company_forms})
        self.company_forms = g.company_forms
        self.municipality_names = {m.code: m.name for m in g.municipalities}
        self.stop = set(nlp.Defaults.stop_words)
        patterns["PARTY_LETTER"] = [[{"ORTH": "("}, {"ORTH": {"IN": sorted(g.letters)}}, {"ORTH": ")"}]]
        for label, pats in patterns.items():
            self.matcher.add(label, pats, greedy="LONGEST")
        self.start_words = {w for w in KR_WORDS + MONTH_WORDS + list(PHASES) + list(SEASONS)}
        self.start_words |= {"første", "andet", "anden", "tredje", "fjerde", "dkk", "den", "d.", "årets"}
        self.start_words |= set(PHASE_NOUNS)
        self._starts: dict[str, bool] = {}
        self._agency: dict[str, bool] = {}

    ACRONYM = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅ0-9]{1,7}$")
    NAME_STOP = {",", ".", ";", ":", "(", ")", "-", "–"}

    def define_acronyms(self, doc: Doc, spans: list[Span]) -> None:
        """"Strategisk Partnerskab om Uddannelse (SPU)": an organisation and its acronym, kept in
        doc._.acronyms so that later mentions of "SPU" anywhere in the record are found too."""
        defs = {}
        n = len(doc)
        texts = token_texts(doc)
        for i in range(1, n - 2):
            if texts[i] != "(" or texts[i + 2] != ")":
                continue
            acr = doc[i + 1].text
            if not self.ACRONYM.match(acr) or acr in self.letters or doc[i + 1].ent_type:
                continue
            before = doc[i - 1]
            if before.ent_type_ == "ORGANISATION" and before.ent_iob_ in ("B", "I"):
                # "Københavns Universitet (KU)": the organisation is already known
                ent = next(e for e in doc.ents if e.start <= i - 1 < e.end)
                key = ent.ent_id_.split(":", 1)[1] if ent.ent_id_ not in ("", "org:*") else ent.text
                defs[acr] = key
                spans.append(Span(doc, i + 1, i + 2, label="ORGANISATION", span_id=f"org:{key}"))
                continue
            best = None
            for k in range(i - 1, max(-1, i - 9), -1):
                tok = doc[k]
                if tok.text in self.NAME_STOP or "\n" in tok.text or tok.ent_type:
                    break
                if tok.text[:1].lower() != acr[0].lower():
                    continue
                if not tok.text[:1].isupper() and k != i - 1:
                    continue
                initials = "".join(t.text[0] for t in doc[k:i] if t.text[:1].isupper())
                if best is None or initials == acr:
                    best = k
                if initials == acr:
                    break
            if best is None:
                continue
            name = doc[best:i]
            if len(name) == 1 and len(name.text) < 10:
                continue  # "Danmark (DK)": a place, not an organisation
            after = doc[i + 3] if i + 3 < n else None
            if len(name) == 1 and after is not None and after.text[:1].isupper() and after.is_alpha \
                    and not after.is_sent_start:
                # "Ungdomsuddannelsescenter (UUC) Maglemosen": one word, the kind of place named
                # after it, not an organisation's name ("Danmarks Naturfredningsforening (DN) Greve"
                # is the organisation's local branch)
                continue
            canonical = re.sub(r"\s+", " ", name.text)
            defs[acr] = canonical
            spans.append(Span(doc, best, i, label="ORGANISATION", span_id=f"org:{canonical}"))
            spans.append(Span(doc, i + 1, i + 2, label="ORGANISATION", span_id=f"org:{canonical}"))
        if defs:
            doc._.acronyms = defs

    def add_company(self, doc: Doc, head: int, spans: list[Span]) -> None:
        """"Lundgaard Konsulenterne", "COWI A/S", "PV Greve A/S": up to four capitalised name words
        (the first may open the sentence; a place name among them is part of the name) before a
        company form or trade word of data/company_words.txt."""
        start = head
        j = head - 1
        while j >= 0 and head - j <= 4:
            tok = doc[j]
            text = tok.text
            if tok.ent_type_ == "ORGANISATION":
                # "Rambøll A/S" is the listed Rambøll; "Rambøll Management Consulting" a name of its own
                ent = next(e for e in doc.ents if e.start <= j < e.end)
                if j == head - 1 and doc[head].text in self.company_forms:
                    spans.append(Span(doc, ent.start, head + 1, label="ORGANISATION", span_id=ent.ent_id_))
                    return
                start = ent.start
                break
            if tok.ent_type_ in ("MUNICIPALITY", "REGION"):
                # "Greve Spildevand A/S", "PV Greve A/S": the place is part of the name
                ent = next(e for e in doc.ents if e.start <= j < e.end)
                if doc[ent.end - 1].norm_ in _KOMMUNE or doc[ent.start].norm_ == "region":
                    break  # "Greve Kommune", "Region Sjælland": no part of a company's name
                start = ent.start
                if doc[start].is_sent_start:
                    break
                j = start - 1
                continue
            if tok.ent_type or not text[:1].isupper() or not text.replace("-", "").isalpha() \
                    or tok.norm_ in self.stop or tok.norm_ in _NOT_NAME:
                break
            start = j
            if tok.is_sent_start:
                break
            j -= 1
        if start < head and any(len(t.text) > 1 for t in doc[start:head]):  # not "4K I/S"
            name = " ".join([t.text for t in doc[start:head]] + [self.company_words[doc[head].text]])
            spans.append(Span(doc, start, head + 1, label="ORGANISATION", span_id=f"org:{name}"))

    def can_start(self, text: str) -> bool:
        hit = self._starts.get(text)
        if hit is None:
            low = text.lower()
            hit = low in self.start_words or bool(self.STARTERS.match(text)) or low.endswith("procenten")
            self._starts[text] = hit
        return hit

    # Starters that begin a single kind of pattern, and the token that must follow for it to match:
    # "den"/"d." only a short date ("den 4/9"), "(" a party letter, "kr."/"dkk" a number; the other
    # words for kroner begin none (they end a sum). A window for them would find nothing.
    _ONLY_BEFORE = {"den": "/", "d.": "/", "(": "letter", "kr.": "number", "dkk": "number"}

    def opens(self, texts: list[str], i: int, n: int) -> bool:
        """Can a pattern match from the starter at i (can_start), given the token after it? Only
        starters that could not are refused: every match the Matcher finds over windows opened
        for the others is found as before (a match starts at a starter and ends within WINDOW)."""
        low = texts[i].lower()
        if low in KR_WORDS and low not in self._ONLY_BEFORE:
            return False
        need = self._ONLY_BEFORE.get(low)
        if need is None:
            return True
        if i + 1 >= n:
            return False
        nxt = texts[i + 1]
        if need == "/":
            return "/" in nxt
        if need == "letter":
            return nxt in self.letters and i + 2 < n and texts[i + 2] == ")"
        return nxt[:1].isdigit() or nxt[:1] in "+-"

    def is_agency(self, text: str, norm: str) -> bool:
        hit = self._agency.get(text)
        if hit is None:
            hit = text[:1].isupper() and bool(self.AGENCY.match(norm))
            self._agency[text] = hit
        return hit

    def __call__(self, doc: Doc) -> Doc:
        # Gazetteer names are capitalised, acronyms written in capitals ("de" is not Dansk Erhverv);
        # municipality names that are also ordinary words need support from their context.
        kept = []
        changed = False
        for ent in doc.ents:
            if ent.label_ in self.GAZETTEER:
                first = doc[ent.start]
                if not (first.text[:1].isupper() or first.text[:1].isdigit()):  # "3F"
                    continue
                if len(ent) == 1 and first.norm_ in self.acronyms:
                    if not first.text[:len(first.norm_)].isupper():
                        continue
                    if _shouting(doc, ent.start - 1) or _shouting(doc, ent.end):
                        continue  # "DE NYE REGLER": a heading in capitals, not Dansk Erhverv
            if ent.label_ == "MUNICIPALITY" and ent.start and doc[ent.end - 1].norm_ not in _KOMMUNE:
                prev = doc[ent.start - 1]
                if prev.norm_ in self.org_prefixes and prev.text[:1].isupper() and not prev.ent_type:
                    # "Folkesundhed Københavns rygestopinstruktører": an organisation of the place
                    name = self.municipality_names[int(ent.ent_id_.split(":")[1])]
                    kept.append(Span(doc, ent.start - 1, ent.end, label="ORGANISATION",
                                     span_id=f"org:{prev.text} {name}"))
                    changed = True
                    continue
            if ent.label_ == "MUNICIPALITY" and ent.ent_id_.endswith(":ctx"):
                prev = doc[ent.start - 1] if ent.start else None
                code_before = prev is not None and re.fullmatch(r"\d{3}", prev.text)
                if doc[ent.start].is_sent_start and not code_before:
                    continue
            if ent.label_ == "MUNICIPALITY" and ent.end < len(doc) and doc[ent.end - 1].norm_ not in _KOMMUNE:
                head = doc[ent.end]
                if head.norm_ in self.org_heads and head.text[:1].isupper() and not head.ent_type:
                    # "Københavns Universitet", "Aarhus Havn": an organisation named after the place
                    kept.append(Span(doc, ent.start, ent.end + 1, label="ORGANISATION", span_id="org:*"))
                    changed = True
                    continue
                if head.norm_ in self.place_nouns and head.text[:1].islower() and not ent.text.endswith("s"):
                    # "Næstved stadion", "Viborg station": a place in the town, not the municipality
                    # ("Odenses havn", the municipality's harbour, stays the municipality)
                    changed = True
                    continue
            kept.append(ent)
        if changed or len(kept) != len(doc.ents):
            doc.ents = kept
        spans = []
        windows: list[list[int]] = []
        n = len(doc)
        strings = doc.vocab.strings
        # one row per token (no Token objects): the loop below adds spans, never changes doc.ents
        rows = doc.to_array([NORM, ENT_TYPE, SENT_START]).tolist()
        texts = token_texts(doc)
        for i, text in enumerate(texts):
            if self.can_start(text) and self.opens(texts, i, n):
                if windows and i <= windows[-1][1]:
                    windows[-1][1] = min(n, i + self.WINDOW)
                else:
                    windows.append([i, min(n, i + self.WINDOW)])
            elif text.endswith(("n", "t", "s")) and not rows[i][1] and self.is_agency(text, strings[rows[i][0]]):
                spans.append(Span(doc, i, i + 1, label="ORGANISATION", span_id="org:*"))
            elif text in self.company_words and not rows[i][1] and i and rows[i][2] != 1:
                self.add_company(doc, i, spans)
        self.define_acronyms(doc, spans)
        for start, end in windows:
            for span in self.matcher(doc[start:end], as_spans=True):
                label = span.label_
                if label == "PARTY_LETTER":
                    spans.append(Span(doc, span.start + 1, span.end - 1, label="PARTY",
                                      span_id=f"party:{self.letters[doc[span.start + 1].text]}"))
                elif label == "DATE_DEN":
                    date = doc[span.start + 1:span.end]
                    if parse_date(date.text, _ANY_YEAR):
                        spans.append(Span(doc, date.start, date.end, label="DATE"))
                elif label == "PERCENT_RATE":
                    after = doc[span.end] if span.end < len(doc) else None
                    if after is None or not (after.is_alpha or after.text == "%"):
                        spans.append(Span(doc, span.end - 1, span.end, label="PERCENT"))
                    # else "... er på 100 deltagere", or "56 pct." (a PERCENT match of its own)
                elif label == "DATE" and not parse_date(span.text, _ANY_YEAR):
                    continue  # "31. februar", "juni 1234", "2030-2026"
                else:
                    spans.append(span)
        merge_ents(doc, spans)
        return doc


_ANY_YEAR = dt.date(2000, 1, 1)


def _shouting(doc: Doc, i: int) -> bool:
    """Is token i a word in capitals (of a heading written in capitals) that is no entity?"""
    if not 0 <= i < len(doc):
        return False
    tok = doc[i]
    return len(tok.text) >= 3 and tok.text.isalpha() and tok.text.isupper() and not tok.ent_type
_KOMMUNE = {"kommune", "kommunes", "regionskommune", "regionskommunes"}


_NOT_NAME = {"kommune", "kommunes", "region", "regionen", "kkr", "kl", "bilag", "sag", "punkt"}
_INITIAL = re.compile(r"[A-ZÆØÅ]\.")
_STOP_TOKENS = {".", ";", ":", "(", ")"}


def name_word(text: str, norm: str, stop_words: set[str]) -> bool:
    """Could this word be part of a name: capitalised, letters (and hyphens), not a function word."""
    if len(text) < 2 or not text[:1].isupper() or text.isupper():
        return False
    if not all(part.isalpha() for part in text.replace("'", "-").split("-") if part):
        return False
    return norm not in stop_words and norm not in _NOT_NAME and norm not in MONTH_WORDS


@Language.factory("referat_da_people")
def make_people(nlp: Language, name: str):
    return PeopleComponent(nlp, load())


class PeopleComponent:
    """People by first name followed by name words, or by the role that introduces them."""

    def __init__(self, nlp: Language, g: Gazetteer) -> None:
        self.first_names = {n.lower() for n in g.first_names}
        self.stop = set(nlp.Defaults.stop_words)
        self.roles = tuple(r for r in g.roles if " " not in r)
        self.role_pairs = {tuple(r.split()) for r in g.roles if " " in r}
        self._role_cache: dict[tuple[str, str], bool] = {}
        self._name_cache: dict[str, bool] = {}

    def word_is_role(self, norm: str, lemma: str) -> bool:
        """The lemma ends with a role ("kommunaldirektøren" -> "kommunaldirektør"), or the word is
        one ("Leder", whose lemma the lookup table gives as the verb); not "indleder" (indlede)."""
        key = (norm, lemma)
        hit = self._role_cache.get(key)
        if hit is None:
            hit = len(norm) >= 3 and (lemma.endswith(self.roles) or norm in self.roles)
            self._role_cache[key] = hit
        return hit

    def role_end(self, doc: Doc, i: int) -> int | None:
        """Token index after a role word starting at i, or None."""
        tok = doc[i]
        if i + 1 < len(doc) and (tok.norm_, doc[i + 1].norm_) in self.role_pairs:
            return i + 2
        if self.word_is_role(tok.norm_, tok.lemma_):
            return i + 1
        return None

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        strings = doc.vocab.strings
        arr = doc.to_array([NORM, LEMMA, SENT_START, ENT_TYPE]).tolist()
        texts = token_texts(doc)
        doc.user_data.pop(_TEXTS, None)  # the last component: the doc keeps no copy
        norms = [strings[row[0]] for row in arr]
        starts = [row[2] == 1 for row in arr]
        in_ent = [row[3] != 0 for row in arr]
        cache = self._name_cache

        def name_ok(j: int) -> bool:
            if in_ent[j]:
                return False
            text = texts[j]
            hit = cache.get(text)
            if hit is None:
                hit = name_word(text, norms[j], self.stop)
                cache[text] = hit
            return hit

        def name_run(i: int, limit: int = 5) -> int:
            """End of a run of name words from i (initials inside, no sentence start after i)."""
            j = i
            while j < n and j - i < limit:
                if name_ok(j) and (j == i or not starts[j]):
                    j += 1
                elif j > i and j + 1 < n and _INITIAL.fullmatch(texts[j]) and name_ok(j + 1):
                    j += 1
                else:
                    break
            return j

        spans = []
        i = 0
        while i < n:
            if norms[i] in self.first_names and texts[i][:1].isupper() and not in_ent[i]:
                end = name_run(i)
                if end - i >= 2:
                    spans.append(Span(doc, i, end, label="PERSON"))
                    i = end
                    continue
            i += 1
        for i in range(n):
            if i + 1 < n and (norms[i], norms[i + 1]) in self.role_pairs:
                end = i + 2
            elif self.word_is_role(norms[i], strings[arr[i][1]]):
                end = i + 1
            else:
                continue
            commas = 0
            j = end
            while j < n and j < end + 12:
                text = texts[j]
                if starts[j] or text in _STOP_TOKENS or norms[j] == "og" or "\n" in text:
                    break
                if text == ",":
                    commas += 1
                    if commas > 1:
                        break
                    j += 1
                    continue
                if name_ok(j):
                    k = name_run(j)
                    if k - j >= 2:
                        spans.append(Span(doc, j, k, label="PERSON"))
                        break
                    j = k
                    continue
                j += 1
        merge_ents(doc, spans)
        return doc


def special_cases(g: Gazetteer) -> dict[str, list[dict]]:
    """Tokenizer special cases beyond spaCy's Danish ones: abbreviations (data/abbreviations.txt),
    also capitalised, company forms, "mio.kr."."""
    months = {m for m in MONTH_WORDS if m.endswith(".")}
    rules: dict[str, list[dict]] = {}
    for abbr in g.abbreviations:
        rules[abbr] = [{ORTH: abbr}]
        if abbr[:1].isalpha() and abbr not in months and abbr not in g.sentence_final:
            cap = abbr[0].upper() + abbr[1:]  # "Bl.a." opening a sentence; not "Jan." (a name)
            rules[cap] = [{ORTH: cap}]
    for form in g.company_forms:  # "COWI A/S." ends a sentence; "A/S" is one token
        rules[form] = [{ORTH: form}]
        rules[form + "."] = [{ORTH: form}, {ORTH: "."}]
    for scale in ("mio.", "mia."):
        rules[scale + "kr."] = [{ORTH: scale}, {ORTH: "kr."}]
    return rules


@spacy.registry.tokenizers("referat_da_tokenizer.v1")
def create_tokenizer():
    """spaCy's Danish tokenizer with referat's special cases and infixes, built in one go: adding
    them to a built tokenizer reloads its 2,500 special cases with every change (half a second)."""

    def make(nlp: Language) -> Tokenizer:
        defaults = nlp.Defaults
        # "0,59 kr./indbygger", "12 kr./husstand": split the slash after "kr."
        infixes = list(defaults.infixes) + [r"(?<=kr\.)/"]
        return Tokenizer(
            nlp.vocab,
            rules={**defaults.tokenizer_exceptions, **special_cases(load())},
            prefix_search=spacy.util.compile_prefix_regex(defaults.prefixes).search,
            suffix_search=spacy.util.compile_suffix_regex(defaults.suffixes).search,
            infix_finditer=spacy.util.compile_infix_regex(infixes).finditer,
            token_match=defaults.token_match,
            url_match=defaults.url_match,
        )

    return make


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once per process (and shared with the children forked from it)."""
    g = load()
    nlp = spacy.blank("da", config={"nlp": {"tokenizer": {"@tokenizers": "referat_da_tokenizer.v1"}}})
    nlp.add_pipe("referat_da_norm")
    nlp.add_pipe("referat_da_sentences")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True, "phrase_matcher_attr": "NORM"})
    ruler.add_patterns(gazetteer_patterns(g))
    # The ruler checks that it has patterns before every doc by counting them all, per label: a
    # third of its time on short texts. It has them, from here on.
    ruler._require_patterns = lambda: None
    nlp.add_pipe("referat_da_rules")
    nlp.add_pipe("referat_da_people")
    return nlp


def prime(nlp: Language, chunks: list[str]) -> None:
    """Learn `chunks` (runs of text between whitespace) ahead of the texts that contain them: the
    tokenizer's cache of how each splits, the lexemes of their tokens with their norms and lemmas
    (referat_da_norm), whether each can start a rule pattern (referat_da_rules). What a process
    forks after this, parses the same, only faster: each of these is what parsing a text with the
    chunk would have computed and kept itself (pipeline.process primes the process that forks
    the documents' children with the chunks the children before met)."""
    if not chunks:
        return
    doc = nlp.make_doc(" ".join(chunks))
    nlp.get_pipe("referat_da_norm")(doc)
    rules = nlp.get_pipe("referat_da_rules")
    for text in token_texts(doc):
        rules.can_start(text)
    doc.user_data.pop(_TEXTS, None)


def _reference_tokenizer() -> Language:
    """The tokenizer as built before create_tokenizer (special cases added one by one), for the
    test that the two agree."""
    g = load()
    nlp = spacy.blank("da")
    for text, pieces in special_cases(g).items():
        nlp.tokenizer.add_special_case(text, pieces)
    infixes = list(nlp.Defaults.infixes) + [r"(?<=kr\.)/"]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    return nlp
