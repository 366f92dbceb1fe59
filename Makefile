# Motor Station: `make demo` and `make test` set everything up from a fresh clone.
# Interpreter: PYTHON=python3.12 (a name or a path) picks one; without it an existing .venv whose
# interpreter still runs is kept, else the first of python3.11..python3.14 that really runs
# (scripts/pick-python probes by running: pyenv shims exist for inactive versions too).
# The venv is rebuilt whenever the chosen interpreter differs from the one it was made with.
PYTHON ?=
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test fuzz lint bench clean system-libs audio-setup check-pango FORCE

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
	@$(MAKE) --no-print-directory system-libs
	touch $@

# System libraries pip cannot install: Pango (+ HarfBuzz subsetting) for WeasyPrint's PDF reports and
# PortAudio for the child's sounds (sounddevice). As root with apt-get they are installed here; otherwise
# the missing ones are named. Without them HTML reports still work and the station plays no sound (one line).
SYSTEM_LIBS := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
               libharfbuzz-subset.so.0:libharfbuzz-subset0 libportaudio.so.2:libportaudio2
system-libs:
	@[ "$$(uname)" = Linux ] || exit 0; missing=""; \
	for pair in $(SYSTEM_LIBS); do lib=$${pair%%:*}; pkg=$${pair##*:}; \
	  ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="$$missing $$pkg"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	  echo "make: installing system libraries:$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 \
	    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1; } \
	    || echo "make: could not install$$missing: PDF reports and/or sound will be missing"; \
	else echo "make: please install (Debian/Ubuntu): sudo apt-get install$$missing  (PDF reports and sound need them)"; fi
# kept for muscle memory: both name the same step
check-pango audio-setup: system-libs

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.python
	@echo "make: installing motor-station with its test extras into $(VENV)"
	$(BIN)/python -m pip install -q -e '.[test]'
	@$(MAKE) --no-print-directory system-libs
	touch $@ $(VENV)/.stamp-base

demo: $(VENV)/.stamp-base system-libs
	$(BIN)/station demo

test: $(VENV)/.stamp-test system-libs
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
