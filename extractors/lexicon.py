"""Danish word forms and their lemmas: the lookup table that ships in spacy-lookups-data.

Loaded once per process and shared by normalisation (is this a Danish word?) and the spaCy
layer's lemmatizer, so the 0.5 s it takes to read is paid once.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def danish_lemmas() -> dict[str, str]:
    """Word form -> lemma (lowercase forms; the table is case-sensitive)."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def danish_word_forms() -> frozenset[str]:
    """Every lowercased form and lemma in the table."""
    return frozenset(word.lower() for pair in danish_lemmas().items() for word in pair)
