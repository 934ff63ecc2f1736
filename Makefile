# make run   - create .venv if needed, run the pipeline on the bundled demo data
# make test  - create .venv if needed, run the test suite
# make bench - benchmark against the classic loop (BENCH_ARGS="--frames 50 --size 512" to scale down)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
CORES ?= 2

.PHONY: run test report demo-data bench clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

run: $(STAMP)
	$(BIN)/snakemake --profile workflow/profiles/default --cores $(CORES)
	@echo "Done: per-sample results in results/<sample>/, all samples in results/summary.parquet and results/figures/."

test: $(STAMP)
	$(BIN)/python -m pytest

report: run
	$(BIN)/snakemake --profile workflow/profiles/default --cores $(CORES) --report results/report.html
	@echo "Report: results/report.html"

bench: $(STAMP)
	$(BIN)/python bench/bench.py --cores $(CORES) $(BENCH_ARGS)

demo-data: $(STAMP)
	$(BIN)/python scripts/make_demo_data.py data

clean:
	rm -rf results logs benchmarks .snakemake
