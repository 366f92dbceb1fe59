# Motor Station: `make demo` and `make test` set everything up from a fresh clone.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test fuzz lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.stamp-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.stamp-base

demo: $(VENV)/.stamp-base
	$(BIN)/station demo

test: $(VENV)/.stamp-test
	mkdir -p test-artifacts
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest --junitxml=test-artifacts/junit.xml $(PYTEST_ARGS)

# Random exploration with 20x the examples of `make test`; failures are kept in .hypothesis/ and
# replayed first next time (add each one as an explicit @example once fixed).
fuzz: $(VENV)/.stamp-test
	mkdir -p test-artifacts
	QT_QPA_PLATFORM=offscreen MOTOR_STATION_HYPOTHESIS=fuzz MOTOR_STATION_FUZZ_SCALE=$${MOTOR_STATION_FUZZ_SCALE:-20} \
	  $(BIN)/python -m pytest -q --hypothesis-show-statistics -m fuzz $(PYTEST_ARGS)

lint: $(VENV)/.stamp-test
	$(BIN)/ruff check station vision devices exercises calibration tests benchmarks

bench: $(VENV)/.stamp-test
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
