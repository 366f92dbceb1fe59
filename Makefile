# Motor Station: `make demo` and `make test` set everything up from a fresh clone.
# Interpreter: PYTHON=python3.12 (a name or a path) picks one; without it an existing .venv whose
# interpreter still runs is kept, else the first of python3.11..python3.14 that really runs
# (scripts/pick-python probes by running: pyenv shims exist for inactive versions too).
# The venv is rebuilt whenever the chosen interpreter differs from the one it was made with.
PYTHON ?=
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test fuzz lint bench clean check-pango FORCE

# Rewritten only when the interpreter changes, so the install stamps below follow it.
$(VENV)/.python: FORCE
	@if [ -z "$(PYTHON)" ] && [ -f $@ ] && $(BIN)/python -c '' 2>/dev/null; then \
	  echo "make: using $(VENV) ($$(cat $@)); PYTHON=python3.x make ... to change"; exit 0; fi; \
	py="$$(sh scripts/pick-python $(PYTHON))" || exit 1; \
	id="$$("$$py" -c 'import sys, platform; print("CPython", platform.python_version(), sys.executable)')"; \
	if [ -f $@ ] && [ "$$(cat $@)" = "$$id" ]; then echo "make: using $(VENV) ($$id)"; exit 0; fi; \
	if [ -e $(VENV) ]; then echo "make: $(VENV) was made with $$(cat $@ 2>/dev/null || echo 'another interpreter'); rebuilding it with $$id"; rm -rf $(VENV); \
	else echo "make: creating $(VENV) with $$id"; fi; \
	"$$py" -m venv $(VENV) && $(BIN)/python -m pip install -q --upgrade pip && echo "$$id" > $@

# Reinstall when pyproject.toml or the interpreter changes.
$(VENV)/.stamp-base: pyproject.toml $(VENV)/.python
	@echo "make: installing motor-station into $(VENV)"
	$(BIN)/python -m pip install -q -e .
	@$(MAKE) --no-print-directory check-pango
	touch $@

# WeasyPrint (PDF reports) loads the system's Pango; pip cannot install it. HTML reports work without it.
check-pango:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0'; then \
	  echo "make: PDF reports need the system library Pango: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	  echo "      (macOS: brew install pango). HTML reports work without it."; fi

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.python
	@echo "make: installing motor-station with its test extras into $(VENV)"
	$(BIN)/python -m pip install -q -e '.[test]'
	@$(MAKE) --no-print-directory check-pango
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
	$(BIN)/ruff check station vision devices exercises calibration tests benchmarks scripts

bench: $(VENV)/.stamp-test
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

FORCE:

clean:
	rm -rf $(VENV) .venv-second test-artifacts .pytest_cache
