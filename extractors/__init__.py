"""Pure text extractors: functions of text (and profile data) to record parts. No I/O, no Prefect."""

# Bump on any change that can alter a record: `ingest` reprocesses documents of older versions.
EXTRACTOR_VERSION = "0.8.0"
