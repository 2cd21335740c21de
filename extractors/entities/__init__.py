"""The spaCy layer (issue 5): normalised people, bodies, parties, money and dates per item.

    from extractors.entities import annotate
    record = annotate(record)   # fills item.entities / presenters / party_links in place
"""

from extractors.entities.annotate import annotate, annotate_items
from extractors.entities.nlp import get_nlp

__all__ = ["annotate", "annotate_items", "get_nlp"]
