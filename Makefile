# Two entry points for a fresh machine (see README.md):
#   make demo   set everything up, then run the whole GlovEgo chain on the bundled sample
#   make test   set everything up, then run the test suite (what CI runs)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The README's environment: legacy MediaPipe with its bundled hand models (numpy 1.x), ONNX export.
# On Python 3.13+ the legacy extra is empty; for numpy 2 and the Tasks API use
# `make setup EXTRAS=dev,export,mediapipe` and pass --hand-model (README "Installation").
EXTRAS ?= dev,export,openvino,mediapipe-legacy,label
TORCH  ?= torch==2.13.0
# One thread per core: oversubscribed torch threads run 5-15x slower on small machines.
export OMP_NUM_THREADS ?= 2
export MKL_NUM_THREADS ?= 2
# The suite runs in one pytest worker per core (each pins torch to one thread); a test file stays
# on one worker, so its module fixtures are built once.
TEST_WORKERS ?= 2

# The label tests talk to a real Label Studio server, in its own venv (never a GlovEgo dependency).
LABEL_STUDIO := .venv-label-studio/bin/label-studio

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(LABEL_STUDIO): .ci/label-studio-env
	bash .ci/label-studio-env .venv-label-studio

# torch is installed first and pinned: on Python 3.11 this resolves to the local CPU build (no
# multi-GB CUDA download); with it in place, the project's `torch>=2.4` installs nothing more.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

demo: setup
	$(BIN)/glovego demo --out demo_out --overwrite

# --durations: the slowest tests in every log, to keep the suite inside its 12 minutes.
test: setup $(LABEL_STUDIO)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=25

bench: setup
	$(BIN)/python benchmarks/solo2coco.py
	$(BIN)/python benchmarks/eval.py
	$(BIN)/python benchmarks/split.py
	$(BIN)/python benchmarks/augment.py
	$(BIN)/python benchmarks/train.py
	$(BIN)/python benchmarks/loader.py
	$(BIN)/python benchmarks/readme_tables.py

clean:
	rm -rf $(VENV) .venv-np2 .venv-label-studio demo_out bench_out
