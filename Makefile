# kyr-flyers: `make flyers` installs everything and builds the default campaign;
# `make test` installs everything and runs the test suite.  Both work on a fresh
# Debian/Ubuntu machine: system packages come from apt (as root, or via sudo).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-packages
# Locked Python dependencies (see `make lock`), resolved for CPython 3.11 on Linux.
LOCK        := requirements.lock
LOCK_INPUTS := pyproject.toml tools/build-requirements.in
LOCK_FLAGS  := --extra test --generate-hashes --python-version 3.11 --custom-compile-command "make lock" -q
UV_VERSION  := 0.13.9
LOCK_VENV   := .cache/lock-tools
LOCK_TOOL   := $(LOCK_VENV)/bin/uv

# Node and npm install axe-core for the site's accessibility test: Debian's
# nodejs and npm, unless node and npm are already on the PATH (a NodeSource node
# bundles npm, and Debian's npm package would conflict with it).
NODE_PACKAGES := $(if $(and $(shell command -v node),$(shell command -v npm)),,nodejs npm)
# Debian packages: Pango/HarfBuzz for WeasyPrint, GNU gettext (msgfmt --check),
# poppler (pdffonts, pdfinfo, pdftoppm), qpdf, Ghostscript (ink coverage), and
# Chromium, which the download site's tests drive with Playwright (never a
# browser Playwright downloads itself), and espeak-ng + opus-tools for
# `flyers audio`'s computer-voice drafts.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig \
                gettext poppler-utils qpdf ghostscript chromium espeak-ng opus-tools $(NODE_PACKAGES)
NODE_STAMP := node_modules/.installed

.PHONY: flyers test test-full install system-packages lint fonts clean bench node lock lock-upgrade

flyers: install
	$(BIN)/flyers build
	$(BIN)/flyers batch
	$(BIN)/flyers site

test: install node
	$(BIN)/ruff check flyers tests bench tools
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto -p no:cacheprovider -m "not slow" --durations=10

# Everything, the whole-campaign tests too (40 languages x 6 formats and ~100 spoken
# languages' cards, the 30,000-piece package): about 17 minutes on 2 cores.
test-full: install node
	$(BIN)/pytest -q -n auto -p no:cacheprovider

install: $(STAMP)

# Re-checked when this Makefile changes (a new package), not on every run.
$(SYSTEM_STAMP): Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@mkdir -p $(VENV) && touch $@

# Exactly the locked versions, every file checked against its hash; then the project
# itself, built by the locked hatchling, with no dependency resolution of its own.
# `pip check` fails when pyproject.toml needs a package the lock lacks: run `make lock`.
$(STAMP): pyproject.toml $(LOCK) $(SYSTEM_STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --only-binary :all: -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check || { echo "requirements.lock is out of date with pyproject.toml: run 'make lock'"; exit 1; }
	touch $@

# requirements.lock pins every Python package (the test extra and the build backend
# included) with its sha256 hashes.  `make lock` regenerates it after pyproject.toml
# changes, keeping every pin that still satisfies it; `make lock-upgrade` moves every
# package to its newest allowed version on purpose -- then run `make test`, the gate.
lock: $(LOCK_TOOL)
	$(LOCK_TOOL) pip compile $(LOCK_INPUTS) $(LOCK_FLAGS) -o $(LOCK)

lock-upgrade: $(LOCK_TOOL)
	$(LOCK_TOOL) pip compile $(LOCK_INPUTS) $(LOCK_FLAGS) --upgrade -o $(LOCK)

$(LOCK_TOOL):
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q uv==$(UV_VERSION)

# axe-core for tests/test_site.py, exactly as package-lock.json pins it.
node: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json $(SYSTEM_STAMP)
	npm ci --no-audit --no-fund
	touch $@

lint: install
	$(BIN)/ruff check flyers tests bench tools
	$(BIN)/mypy

# Re-cut the vendored CJK subsets (and refresh the other Noto fonts) after the
# catalogs gain new characters.  Needs Debian's Noto font packages.
fonts: install
	@if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	dpkg -s fonts-noto-core fonts-noto-cjk >/dev/null 2>&1 || \
	  (DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-noto-core fonts-noto-cjk)
	$(BIN)/python tools/vendor_fonts.py

bench: install
	$(BIN)/python bench/campaign.py

clean:
	rm -rf output .cache
