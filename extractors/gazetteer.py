"""The gazetteer: Danish municipalities, regions, parties, organisations, first names and roles
(extractors/data/), loaded once. Plain data, no spaCy: the entity layer (extractors/entities) and
the record extractors (a body that names its own place) both read it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _lines(name: str) -> list[str]:
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.append(line.rstrip("\n"))
    return out


def genitive(name: str) -> str:
    """Danish genitive: København -> Københavns, Stevns -> Stevns', KL -> KL's."""
    if name[-1] in "sxz":
        return name + "'"
    if name.isupper() or name[-1].isdigit():
        return name + "'s"
    return name + "s"


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int
    forms: tuple[str, ...]
    context: bool  # bare name is also an ordinary word


@dataclass(frozen=True)
class Region:
    code: int | None
    name: str
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Party:
    letter: str
    name: str
    forms: tuple[str, ...]


@dataclass
class Gazetteer:
    municipalities: list[Municipality]
    regions: list[Region]
    parties: list[Party]
    organisations: dict[str, tuple[str, ...]]
    abbreviations: list[str]
    sentence_final: set[str]
    roles: list[str]
    first_names: set[str]
    organisation_heads: set[str]
    place_nouns: set[str]
    organisation_prefixes: set[str] = field(default_factory=set)  # lower case: "folkesundhed"
    company_words: set[str] = field(default_factory=set)  # as written: "A/S", "Konsulenterne"
    company_forms: set[str] = field(default_factory=set)  # the legal forms among them: "A/S"
    by_code: dict[int, Municipality] = field(default_factory=dict)
    by_letter: dict[str, Party] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)  # letter as written in "(S)" -> ballot letter
    region_by_code: dict[int, Region] = field(default_factory=dict)

    def municipality_for(self, text: str | None) -> Municipality | None:
        """'Tårnby Kommune', 'Københavns Kommune', 'Frederiksberg', '101 København' -> municipality."""
        if not text:
            return None
        t = re.sub(r"\s+", " ", text).strip().strip(",.")
        t = re.sub(r"^\d{3}\s+", "", t)
        t = re.sub(r"\s+(Kommunes?|Regionskommunes?)$", "", t, flags=re.I)
        key = t.lower()
        for m in self.municipalities:
            for form in m.forms:
                if key in (form.lower(), genitive(form).lower()):
                    return m
        return None


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    municipalities = []
    for line in _lines("municipalities.tsv"):
        cols = line.split("\t") + ["", ""]
        code, name, region = int(cols[0]), cols[1], int(cols[2])
        others = tuple(f for f in cols[3].split("|") if f)
        municipalities.append(
            Municipality(code, name, region, (name, *others), "context" in cols[4])
        )
    regions = []
    for line in _lines("regions.tsv"):
        cols = line.split("\t") + [""]
        code = None if cols[0] == "-" else int(cols[0])
        regions.append(Region(code, cols[1], (cols[1], *[f for f in cols[2].split("|") if f])))
    parties = []
    for letter, spec in tomllib.loads((DATA / "parties.toml").read_text(encoding="utf-8")).items():
        parties.append(Party(letter, spec["name"], tuple(spec.get("forms", []))))
    organisations = {}
    for line in _lines("organisations.tsv"):
        cols = line.split("\t") + [""]
        organisations[cols[0]] = (cols[0], *[f for f in cols[1].split("|") if f])
    abbreviations, final = [], set()
    for line in _lines("abbreviations.txt"):
        a = line.strip()
        if a.endswith("*"):
            a = a[:-1]
            final.add(a)
        abbreviations.append(a)
    g = Gazetteer(
        municipalities=municipalities,
        regions=regions,
        parties=parties,
        organisations=organisations,
        abbreviations=abbreviations,
        sentence_final=final,
        roles=[r.strip().lower() for r in _lines("roles.txt")],
        first_names={n.strip() for n in _lines("first_names.txt")},
        organisation_heads={h.strip().lower() for h in _lines("organisation_heads.txt")},
        place_nouns={h.strip().lower() for h in _lines("place_nouns.txt")},
        organisation_prefixes={h.strip().lower() for h in _lines("organisation_prefixes.txt")},
        company_words={w.strip().rstrip("*") for w in _lines("company_words.txt")},
        company_forms={w.strip()[:-1] for w in _lines("company_words.txt") if w.strip().endswith("*")},
    )
    g.by_code = {m.code: m for m in municipalities}
    g.by_letter = {p.letter: p for p in parties}
    g.letters = {p.letter: p.letter for p in parties}
    g.letters.update({f: p.letter for p in parties for f in p.forms if len(f) == 1 and f not in g.letters})
    g.region_by_code = {r.code: r for r in regions if r.code is not None}
    return g
