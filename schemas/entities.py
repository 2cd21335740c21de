"""Normalised entities found in agenda items (issue 5): people, bodies, parties, money and dates.

Where an entity sits: ``part`` is the index of the item part (``AgendaItem.parts[part]``) whose
``text`` the character offsets ``start``/``end`` refer to, so that
``item.parts[e.part].text[e.start:e.end] == e.text``. ``part`` is null for an entity in the item
title (offsets into ``AgendaItem.title``). An entity with ``heading`` true was read from the part's
heading instead (``Beslutning i Økonomiudvalget den 19-11-2025``): its offsets refer to
``AgendaItem.parts[part].heading``. An entity read from a table cell instead carries
``table``/``row``/``col`` and offsets into that cell's text; ``row`` counts the table's
``header_rows`` first, then its ``rows`` (``(t.header_rows + t.rows)[row][col]``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

EntityType = Literal[
    "person", "municipality", "region", "party", "organisation", "money", "percent", "date"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Entity(_Model):
    # One mention. Normalised fields that do not apply to its type are left out of the JSON
    # (see _drop_unset); a comment rather than a docstring keeps the published schema unchanged.
    type: EntityType
    text: str = Field(description="As written in the source.")
    start: int = Field(ge=0, description="Character offset of the first character.")
    end: int = Field(ge=0, description="Character offset after the last character.")
    part: int | None = Field(default=None, description="Index into AgendaItem.parts; null: title.")
    heading: bool | None = Field(
        default=None, description="True: in the heading of AgendaItem.parts[part]; the offsets "
        "refer to that heading, not to the part's text. Left out otherwise.")
    table: int | None = Field(default=None, description="Index into AgendaItem.tables, if a cell.")
    row: int | None = None
    col: int | None = None
    # Normalised values; which ones are set depends on the type.
    name: str | None = Field(
        default=None,
        description="Canonical name: full participant name, official municipality/region/party "
        "name, organisation name.",
        examples=["Maja Højgaard", "København", "Region Hovedstaden", "Enhedslisten", "KL"],
    )
    role: str | None = Field(default=None, examples=["borgmester", "Direktør"])
    organisation: str | None = Field(default=None, examples=["KL", "Greater Copenhagen"])
    participant: bool | None = Field(
        default=None, description="Person: true if on the meeting's attendance lists."
    )
    municipality_code: int | None = Field(default=None, examples=[101, 147])
    region: str | None = Field(default=None, examples=["Region Hovedstaden"])
    region_code: int | None = Field(default=None, examples=[1084])
    party_letter: str | None = Field(default=None, examples=["F", "Ø"])
    amount_dkk: float | None = Field(default=None, description="Money: amount in kroner.")
    unit: str | None = Field(
        default=None, examples=["kr.", "kr./indbygger", "pct."], description="Unit of the amount."
    )
    value: float | None = Field(
        default=None, description="The number as written (4.6 for '4,6 mio. kr.'; 51 for '51 pct.')."
    )
    date: dt.date | None = Field(default=None, description="Date: a single day.")
    period_start: dt.date | None = Field(default=None, description="Date: first day of a period.")
    period_end: dt.date | None = Field(default=None, description="Date: last day of a period.")

    @model_serializer(mode="wrap")
    def _drop_unset(self, handler):
        # ~500 mentions per document: writing the fifteen null fields of each would triple a record.
        return {k: v for k, v in handler(self).items() if v is not None}


class PartyLink(_Model):
    """A vote or protocol remark linked to the party that cast or made it."""

    kind: Literal["vote", "protocol_note"]
    party_letter: str
    party_name: str | None = None
    text: str = Field(description="The vote text, protocol note, or the sentence it was read from.")
    vote: int | None = Field(default=None, description="Index into AgendaItem.votes, for a vote.")
    part: int | None = Field(default=None, description="Index into AgendaItem.parts, if found there.")
    start: int | None = Field(default=None, description="Offset of the party mention in the part.")
    end: int | None = None


class ItemEntities(_Model):
    """What the spaCy layer adds to one agenda item."""

    entities: list[Entity] = Field(default_factory=list)
    presenters: list[str] = Field(default_factory=list, description="People who presented.")
    party_links: list[PartyLink] = Field(default_factory=list)
