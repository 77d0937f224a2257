# fiscalsim — two commands matter:
#   make demo   build the virtual environment, install fiscalsim with its default dependencies only,
#               run a shipped scenario and write its PDF report to reports/liaocheng.pdf
#   make test   build the virtual environment, install fiscalsim with the test tools (the `test`
#               extra), run ruff, mypy and the whole test suite
# and one more to see a nowcast:
#   make nowcast  run Liaocheng from the example actual figures up to 2021-12-31
#                 (data/actuals/liaocheng-2021.csv) and write reports/liaocheng-nowcast.pdf
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
USER_STAMP := $(VENV)/.installed-user
TEST_STAMP := $(VENV)/.installed-test
OUT ?= out
REPORTS := reports

.PHONY: venv test demo nowcast lint clean golden bench

# What a user needs: the package and its default dependencies.
$(USER_STAMP): setup.cfg pyproject.toml
	$(PY) -m venv --clear $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $(USER_STAMP)

# What a developer needs on top: pytest, hypothesis, ruff, mypy, pypdf, psutil.
$(TEST_STAMP): $(USER_STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

venv: $(TEST_STAMP)

lint: $(TEST_STAMP)
	$(BIN)/ruff check simulator tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

demo: $(USER_STAMP)
	$(BIN)/fiscalsim validate scenarios/*.yaml scenarios/variants/*.yaml
	$(BIN)/fiscalsim award scenarios/zibo.yaml ZB-4 --set quantity=15000
	$(BIN)/fiscalsim run scenarios/liaocheng.yaml --reps 200 --jobs 2 --out $(OUT)/liaocheng --force
	$(BIN)/fiscalsim report $(OUT)/liaocheng --force
	@echo "报告 / report: $(REPORTS)/liaocheng.pdf"

# A nowcast: Liaocheng projected from the example actual figures up to the end of 2021 (README: Nowcast).
nowcast: $(USER_STAMP)
	$(BIN)/fiscalsim run scenarios/liaocheng.yaml --actuals data/actuals/liaocheng-2021.csv --as-of 2021-12-31 \
		--reps 200 --jobs 2 --out $(OUT)/liaocheng-nowcast --force
	$(BIN)/fiscalsim report $(OUT)/liaocheng-nowcast --force
	@echo "报告 / report: $(REPORTS)/liaocheng-nowcast.pdf"

golden: $(TEST_STAMP)
	$(BIN)/python -m tests.golden --regenerate

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
