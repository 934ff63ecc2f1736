# make run   - create .venv if needed, run the pipeline on the bundled demo data
# make test  - create .venv if needed, run the test suite, one worker per core (TEST_WORKERS=0: in one process)
# make lint  - ruff (check and format), snakefmt and snakemake --lint; CI runs it before make test
# make report - run the pipeline, then write the self-contained HTML report results/report.html
# make test-cluster - the demo through the SLURM profile on a throwaway local SLURM (root; docs/cluster.md)
# make bench - benchmark against the classic loop (BENCH_ARGS="--frames 50 --size 512" to scale down)
# make samples DIR=movies NUCLEUS=w1 POI=w2 [SHEET=samples.tsv] - write a sample sheet for a folder (docs/inputs.md)
# make formats - add the optional vendor-format readers (CZI, ND2, LIF, OME-Zarr) to .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
# pytest-xdist workers; each test file runs in one, so its shared pipeline runs happen once
TEST_WORKERS ?= auto
CORES ?= 2
SHEET ?= samples.tsv

.PHONY: run test lint test-cluster report demo-data bench samples formats clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

run: $(STAMP)
	$(BIN)/snakemake --profile workflow/profiles/default --cores $(CORES)
	@echo "Done: per-sample results in results/<sample>/, all samples in results/summary.parquet and results/figures/."

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow bench/design_floor.smk
	$(BIN)/snakemake --lint

test-cluster: $(STAMP)
	NUCLEOCYTO_CLUSTER_TEST=required timeout -k 10 900 $(BIN)/python -m pytest -v -s tests/test_cluster.py

report: run
	$(BIN)/snakemake --profile workflow/profiles/default --cores $(CORES) --report results/report.html
	@echo "Report: results/report.html"

bench: $(STAMP)
	$(BIN)/python bench/bench.py --cores $(CORES) $(BENCH_ARGS)

samples: $(STAMP)
	$(BIN)/python scripts/make_sample_sheet.py "$(DIR)" $(if $(NUCLEUS),--nucleus $(NUCLEUS)) $(if $(POI),--poi $(POI)) -o "$(SHEET)"

formats: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-formats.txt

demo-data: $(STAMP)
	$(BIN)/python scripts/make_demo_data.py data

clean:
	rm -rf results/* logs benchmarks .snakemake  # keeps results/.gitkeep
