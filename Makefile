# OneWindow: the two commands of the README, and a few helpers. The work is done in scripts/; see there.
#   make run     install, migrate, load demo data, then web + Celery worker + beat on http://127.0.0.1:8000
#   make test    install (Debian packages too), then the whole pytest suite on every core; make test ARGS="-k clock"
#   make bench   every bench/*.py script, with the same services as the tests; make bench ARGS="--cases 100000 --open 10000"
#   make lint    Django's system checks and a check for missing migrations
#   make lock    re-resolve the Python dependencies and rewrite requirements.lock

PY := .venv/bin/python
ARGS ?=

.PHONY: run test bench lint lock

run:
	@scripts/setup.sh system runtime
	@scripts/setup.sh venv
	@$(PY) scripts/run.py

# The suite runs on every core (pytest-xdist, one test database per worker); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

test:
	@scripts/setup.sh system test
	@scripts/setup.sh venv
	@$(PY) scripts/services.py exec --redis-db 1 -- $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(ARGS)

# Each script runs on its own (PYTHONPATH=. so it can import the project); a folder with no scripts passes.
bench:
	@scripts/setup.sh system runtime
	@scripts/setup.sh venv
	@$(PY) scripts/services.py exec --redis-db 1 -- sh -c '\
		status=0; \
		for script in bench/*.py; do \
			[ -f "$$script" ] && [ "$${script##*/}" != __init__.py ] || continue; \
			echo "== $$script"; \
			PYTHONPATH=. $(PY) "$$script" $(ARGS) || status=1; \
		done; \
		exit $$status'

lint:
	@scripts/setup.sh venv
	@DEBUG=1 $(PY) manage.py check
	@DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

lock:
	@scripts/setup.sh lock
