# Fresh machine: only Python 3.11 and pip. Everything else is installed from requirements.lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: setup run test eval schema dictionary bench clean

$(BIN)/minutes: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

setup: $(BIN)/minutes

# System packages (Tesseract + Danish; Chromium for the tests): installed with apt-get where that
# can be done, else the command to run is printed (scripts/system-packages.sh).
run: setup
	@scripts/system-packages.sh run
	$(BIN)/minutes ingest --raw raw --out output
	@echo ""
	@echo "The records are in output/records/ (one JSON file per meeting; output/manifest.jsonl says what was done)."
	@echo "Try next:"
	@echo "  $(BIN)/minutes browse --out output          # browse meetings, items and decisions at http://127.0.0.1:8750"
	@echo "  $(BIN)/minutes query \"SELECT number, title, outcome FROM items\" --out output"
	@echo "  $(BIN)/minutes process YOUR-MINUTES.pdf --out output   # or drop files into raw/ and run make run again"

test: setup
	@scripts/system-packages.sh test
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/minutes process raw --out output/eval
	$(BIN)/minutes process tests/fixtures/real --out output/eval
	$(BIN)/minutes process tests/fixtures/greve --out output/eval
	$(BIN)/minutes eval --gold tests/fixtures/gold --records output/eval/records

schema: setup
	$(BIN)/minutes schema > schemas/meeting_record.schema.json

dictionary: setup
	$(BIN)/python -m analytics.dictionary > docs/data-dictionary.md

bench: setup
	$(BIN)/python benchmarks/bench_pdf.py
	$(BIN)/python benchmarks/bench_entities.py
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_analytics.py
	$(BIN)/python benchmarks/bench_greve.py
	$(BIN)/python benchmarks/bench_limits.py

clean:
	rm -rf $(VENV) output/records output/quarantine output/history output/manifest.* output/.lock output/eval \
		output/analytics output/export test-artifacts
