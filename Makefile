# fiscalsim — two commands matter:
#   make demo   build the virtual environment, install, run a shipped scenario and write its PDF report
#   make test   build the virtual environment, install, run ruff, mypy and the whole test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= out

.PHONY: venv test demo lint clean golden bench

$(STAMP): setup.cfg pyproject.toml
	$(PY) -m venv --clear $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check simulator tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/fiscalsim validate scenarios/*.yaml scenarios/variants/*.yaml
	$(BIN)/fiscalsim award scenarios/zibo.yaml ZB-4 --set quantity=15000
	$(BIN)/fiscalsim run scenarios/liaocheng.yaml --reps 200 --jobs 2 --out $(OUT)/liaocheng --force
	$(BIN)/fiscalsim report $(OUT)/liaocheng --out $(OUT)/liaocheng.pdf --force
	@echo "报告 / report: $(OUT)/liaocheng.pdf"

golden: $(STAMP)
	$(BIN)/python -m tests.golden --regenerate

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
