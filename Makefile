# Two commands matter: `make run` (install, migrate, seed demo data, serve) and `make test`
# (install everything the tests need, start the services they use, lint, run the whole suite).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS := tests/js
JS_STAMP := $(JS)/node_modules/.installed
export GREENROOM_TEST_POSTGRES_URL ?= postgresql:///test?host=/var/run/postgresql

.PHONY: run test lint install js-deps system-deps postgres mailbox clean

run: install
	$(BIN)/greenroom demo

test: install js-deps system-deps postgres
	$(MAKE) lint
	node --test $(JS)/
	tests/isolated.sh $(BIN)/pytest

lint: install js-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(JS)/node_modules/.bin/tsc -p $(JS)/tsconfig.json

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The check page's JavaScript is type-checked (tsc --checkJs) and unit-tested with Node's own runner.
js-deps: $(JS_STAMP)

$(JS_STAMP): $(JS)/package.json $(JS)/package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } || \
		{ echo "please install Node.js 20+ and npm" >&2; exit 1; }
	npm ci --prefix $(JS) --no-audit --no-fund --silent
	touch $@

# Browser tests drive Debian's Chromium (without root, Playwright's own build is the fallback) and
# Debian's Firefox ESR, the second engine, over WebDriver BiDi (Playwright cannot drive it).
# tests/isolated.sh needs `unshare` (util-linux) and `ip` (iproute2). The relay test starts its own
# `turnserver` (Debian's coturn) inside the namespace; the system service the package may start
# (under systemd it does) is never used, so it may be stopped or disabled.
system-deps: install
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v firefox-esr >/dev/null || command -v firefox >/dev/null || \
		missing="$$missing firefox-esr"; \
	command -v turnserver >/dev/null || missing="$$missing coturn"; \
	command -v ip >/dev/null || missing="$$missing iproute2"; \
	command -v unshare >/dev/null || missing="$$missing util-linux"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	elif [ "$$missing" = " chromium" ]; then \
		$(BIN)/playwright install chromium; \
	else \
		echo "please install:$$missing" >&2; exit 1; \
	fi

# Store tests run against a real PostgreSQL as well as SQLite, over its Unix socket (the suite
# runs in a network namespace of its own).
postgres:
	@if pg_isready -q -h /var/run/postgresql 2>/dev/null; then :; \
	elif command -v pg_ctlcluster >/dev/null; then \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	else \
		echo "PostgreSQL must run locally (socket /var/run/postgresql, trust auth, database test);" \
			"set GREENROOM_TEST_POSTGRES_URL to use another" >&2; exit 1; \
	fi
	@for i in $$(seq 1 30); do pg_isready -q -h /var/run/postgresql && exit 0; sleep 1; done; \
		echo "PostgreSQL did not come up" >&2; exit 1

# A mail server on 127.0.0.1:8025 that prints every mail it gets (docs/reminders.md).
mailbox: install
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:8025

clean:
	rm -rf $(VENV) $(JS)/node_modules *.egg-info .mypy_cache .ruff_cache .pytest_cache test-artifacts
