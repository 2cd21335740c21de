"""The analysts' side of referat: flat tables derived from the store's JSON records, SQL over
them, case histories, exports (Parquet, NDJSON, CSV, DuckDB, SQLite, OParl 1.1, Popolo) and a
small web view.

It reads the store (its files: records/, manifest.jsonl) and the schemas, and nothing else of
referat: no extractors, loaders or pipeline, so that it can be used on a store anywhere.

- `tables`: the tables and columns, declared once from the schema; `flatten(record)`.
- `dictionary`: the data dictionary (docs/data-dictionary.md) generated from them.
- `warehouse`: the DuckDB file in the store, refreshed record by record.
- `query`, `cases`, `links`: SQL, a case's history, agenda <-> minutes.
- `export`, `oparl`, `popolo`: the exports, and `after_ingest` (the ingest flow's hook).
- `web`: `minutes browse`.
"""
