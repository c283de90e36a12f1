# Quick start: `make demo` (audit the bundled example app) and `make test` (all tests).
# Both set up .venv from nothing when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fixtures clean

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh "$(PYTHON)" "$(VENV)"
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p reports
	$(BIN)/privaudit scan examples/demo-app/demo.apk --app-type 地图导航类 --format md -o reports/demo-report.md
	$(BIN)/privaudit scan examples/demo-app/demo.apk --app-type 地图导航类 --format json -o reports/demo-report.json
	$(BIN)/privaudit scan examples/demo-app/demo.apk --app-type 地图导航类 --format html -o reports/demo-report.html
	$(BIN)/privaudit scan examples/demo-app/demo.apk --app-type 地图导航类
	@echo "Reports written to reports/demo-report.html, .md and .json"

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check privaudit tests benchmarks

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/static_scan.py

fixtures:
	bash scripts/build_fixtures.sh
	bash examples/demo-app/build.sh

clean:
	rm -rf $(VENV) reports .pytest_cache
