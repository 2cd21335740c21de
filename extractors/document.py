"""Placeholder: the full extractor is being written (issue 2)."""
