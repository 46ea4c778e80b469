# Dabir — the two commands a new user needs are `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/dabir/static/vendor
PG_URL ?= postgres://postgres@127.0.0.1:5432/dabir
export DJANGO_SETTINGS_MODULE := dabir.settings

.PHONY: demo demo-peer dev test test-sqlite test-postgres bench assets venv browser ocr-tools lint serve clean

$(BIN)/dabir: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

venv: $(BIN)/dabir

# The test tools (pytest, playwright, ruff, import-linter…) only for `make test`, `lint` and `bench`:
# `make demo` installs what the demo runs on and nothing more.
$(VENV)/.dev: $(BIN)/dabir
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

dev: $(VENV)/.dev

node_modules/.package-lock.json: package.json
	npm install --omit=dev --no-audit --no-fund --loglevel=error
	@touch $@

# axe-core (a devDependency) for the browser tests' accessibility checks.
node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

# Front-end packages come from npm and are copied beside our own static files (no CDN).
$(VENDOR)/.stamp: node_modules/.package-lock.json
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx $(VENDOR)/vazirmatn $(VENDOR)/bootstrap-icons $(VENDOR)/chartjs
	cp node_modules/bootstrap/dist/css/bootstrap.rtl.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/chart.js/dist/chart.umd.js $(VENDOR)/chartjs/
	cp -r node_modules/vazirmatn/Vazirmatn-Variable-font-face.css node_modules/vazirmatn/fonts $(VENDOR)/vazirmatn/
	rm -rf $(VENDOR)/vazirmatn/fonts/ttf
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	mkdir -p $(VENDOR)/pdfjs $(VENDOR)/tom-select $(VENDOR)/jalalidatepicker
	cp node_modules/pdfjs-dist/build/pdf.min.mjs node_modules/pdfjs-dist/build/pdf.worker.min.mjs $(VENDOR)/pdfjs/
	cp -r node_modules/pdfjs-dist/cmaps node_modules/pdfjs-dist/standard_fonts $(VENDOR)/pdfjs/ && mkdir -p $(VENDOR)/pdfjs/wasm && cp node_modules/pdfjs-dist/wasm/openjpeg_nowasm_fallback.js node_modules/pdfjs-dist/wasm/LICENSE_* $(VENDOR)/pdfjs/wasm/
	cp node_modules/tom-select/dist/js/tom-select.complete.min.js node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css $(VENDOR)/tom-select/
	cp node_modules/@majidh1/jalalidatepicker/dist/jalalidatepicker.min.js node_modules/@majidh1/jalalidatepicker/dist/jalalidatepicker.min.css $(VENDOR)/jalalidatepicker/
	@touch $@

assets: $(VENDOR)/.stamp

# Debian's packages the system needs beside Python's and npm's, installed where we may (root on
# Debian): Tesseract with its Persian model and Ghostscript for the OCR of scans (the demo and the
# tests); chromium for the browser tests, poppler-utils for the PDF checks and dovecot as the real
# IMAP server of the e-mail tests.
OCR_PACKAGES := tesseract:tesseract-ocr /usr/share/tesseract-ocr/5/tessdata/fas.traineddata:tesseract-ocr-fas gs:ghostscript
TEST_PACKAGES := chromium:chromium pdfsig:poppler-utils /usr/sbin/dovecot:dovecot-imapd
define install_missing
	@missing=""; for pair in $(1); do cmd=$${pair%%:*}; pkg=$${pair#*:}; \
	  if [ "$${cmd#/}" != "$$cmd" ]; then [ -e "$$cmd" ] || missing="$$missing $$pkg"; \
	  else command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; fi; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing:$$missing — install these Debian packages"; fi; fi
endef

ocr-tools:
	$(call install_missing,$(OCR_PACKAGES))

browser:
	$(call install_missing,$(OCR_PACKAGES) $(TEST_PACKAGES))

demo: venv assets ocr-tools
	mkdir -p var
	$(BIN)/dabir migrate --noinput
	$(BIN)/dabir createcachetable
	$(BIN)/dabir collectstatic --noinput --verbosity 0
	$(BIN)/dabir demo --no-accounts
	@echo "Request and task logs: var/log/dabir.log (make demo LOGS=terminal keeps them here)."
	DABIR_EXCHANGE_DIRECTORY_AUTHORITY=1 $(BIN)/dabir serve --with-worker --accounts \
	  $(if $(filter terminal,$(LOGS)),,--log-file var/log/dabir.log)

# A second Dabir server beside the demo (var/peer/, port 8001) for exchange between servers: run
# `make demo` first (or alongside); this one prepares the peer, trades member lists, then serves it.
# The demo's server is the directory authority: the peer fetches its signed directory, pinned to
# the authority's certificate fingerprint.
demo-peer: venv assets
	$(BIN)/dabir exchange peer-demo --port 8001
	fp=$$(DABIR_EXCHANGE_DIRECTORY_AUTHORITY=1 $(BIN)/dabir exchange fingerprint) && \
	env -u DABIR_DATABASE_URL DABIR_VAR_DIR=var/peer DABIR_PUBLIC_URL=http://127.0.0.1:8001 \
	  DABIR_EXCHANGE_DIRECTORY_URL=http://127.0.0.1:8000/exchange/v1/directory \
	  DABIR_EXCHANGE_DIRECTORY_FINGERPRINT=$$fp \
	  $(BIN)/dabir serve --port 8001 --with-worker

test: dev assets node_modules/axe-core/axe.min.js browser
	$(MAKE) test-sqlite
	@if [ "$${DABIR_TEST_POSTGRES:-0}" = 1 ]; then $(MAKE) test-postgres; fi

# Tests close database connections after each request (no persistent connections), so the
# browser tests' server threads never hold the test database open.
test-sqlite:
	DABIR_FAST_PASSWORD_HASHER=1 DABIR_CONN_MAX_AGE=0 $(BIN)/pytest -n 2 --dist loadfile -q

test-postgres:
	DABIR_FAST_PASSWORD_HASHER=1 DABIR_CONN_MAX_AGE=0 DABIR_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 --dist loadfile -q

bench: dev assets
	$(BIN)/python -m bench

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
