"""Validating OParl 1.1 objects against the specification's JSON Schemas (tests/fixtures/oparl-1.1-schema,
copied with their licence from the OParl specification).

The schemas name the schema of an embedded object with their own keyword (`"schema": "Location.json"`,
also under `items`), which a JSON Schema validator does not follow: `validate_object` does, and
checks the formats the schemas use (`url`, `date-time` with a time zone, `date`)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import jsonschema

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("url")
def _url(value) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https", "file") and bool(parsed.netloc or parsed.scheme == "file") \
        and bool(parsed.path)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    return dt.datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("date", raises=ValueError)
def _date(value) -> bool:
    return bool(dt.date.fromisoformat(value))


@cache
def _schema(folder: Path, name: str) -> dict:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def validate_object(obj: dict, schema_name: str, folder: Path, where: str = "") -> list[str]:
    """Every error of `obj` and of the objects embedded in it."""
    schema = _schema(folder, schema_name)
    validator = jsonschema.Draft7Validator(schema, format_checker=FORMATS)
    errors = [f"{where or obj.get('id')}: {schema_name}: {e.message}" for e in validator.iter_errors(obj)]
    for prop, spec in schema["properties"].items():
        if prop not in obj:
            continue
        if spec.get("type") == "object" and "schema" in spec:
            errors += validate_object(obj[prop], spec["schema"], folder, f"{where}/{prop}")
        items = spec.get("items")
        if spec.get("type") == "array" and isinstance(items, dict) and "schema" in items:
            for k, value in enumerate(obj[prop]):
                errors += validate_object(value, items["schema"], folder, f"{where}/{prop}/{k}")
    return errors


def validate_folder(root: Path, folder: Path) -> Counter:
    """Validate every object in an OParl export (lists: each of their `data`); the count of each type."""
    counts: Counter = Counter()
    errors: list[str] = []
    for path in sorted(root.rglob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        objects = content["data"] if "data" in content else [content]
        for obj in objects:
            kind = obj["type"].rsplit("/", 1)[-1]
            assert obj["type"] == f"https://schema.oparl.org/1.1/{kind}"
            errors += validate_object(obj, f"{kind}.json", folder, str(path.relative_to(root)))
            if "data" not in content:
                counts[kind] += 1
                assert obj["id"].endswith(str(path.relative_to(root))), obj["id"]  # an id is its file's URL
    assert not errors, "\n".join(errors[:20])
    return counts
