# Two entry points for a fresh machine (see README.md):
#   make demo   set everything up, then run the whole GlovEgo chain on the bundled sample
#   make test   set everything up, then run the test suite (what CI runs)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# One thread per core: oversubscribed torch threads run 5-15x slower on small machines.
export OMP_NUM_THREADS ?= 2
export MKL_NUM_THREADS ?= 2

.PHONY: setup demo test bench clean

setup: $(STAMP)

# torch is installed first and pinned: this resolves to the local CPU build (no multi-GB CUDA
# download); with it in place, the project's `torch>=2.4` requirement installs nothing more.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/glovego demo --out demo_out

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/solo2coco.py
	$(BIN)/python benchmarks/eval.py
	$(BIN)/python benchmarks/split.py
	$(BIN)/python benchmarks/augment.py
	$(BIN)/python benchmarks/train.py
	$(BIN)/python benchmarks/loader.py

clean:
	rm -rf $(VENV) demo_out bench_out
