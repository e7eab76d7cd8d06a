# Two commands do all set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory system-deps
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[all,dev]'
	touch $(STAMP)

# Debian packages: Graphviz's `dot` draws graphs; Chromium renders report.html in its test.
# Installed when missing and we may (root with apt-get); otherwise we say what to install.
system-deps:
	@missing=""; command -v dot >/dev/null 2>&1 || missing="graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install $$missing; drawings or the report's browser test will be skipped"; \
	  else echo "note: install $$missing (Debian: apt-get install $$missing) for drawings and the report test"; fi; \
	fi

# A real hybrid search on MNIST-1D: under 10 minutes on 2 cores, report in runs/demo.
demo: $(STAMP)
	$(BIN)/graphnas search --task mnist1d --strategy hybrid --budget 6m --workers 2 \
	  --out runs/demo --progress plain

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
