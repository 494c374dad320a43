"""The portal's settings with the bench's URLconf (the portal's URLs plus the minimal view) and templates; the bench
serves them with the same gunicorn options as the portal (bench/approvals_bench.py, DJANGO_SETTINGS_MODULE)."""
from pathlib import Path

from portal.settings import *  # noqa: F403
from portal.settings import TEMPLATES

ROOT_URLCONF = "bench.web.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]},
             *TEMPLATES[1:]]
