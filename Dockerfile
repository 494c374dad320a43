# OneWindow production image: gunicorn web, Celery worker and beat all run from this one image
# (docker-compose.yml chooses the command). Python deps pinned by requirements.lock.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    ONEWINDOW_VAR_DIR=/var/lib/onewindow

# Pango/HarfBuzz for WeasyPrint, CJK fonts for certificates, notices and guides.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml requirements.lock ./
# Only the runtime dependencies of pyproject.toml (no test or embedded-server extras), pinned by the lock.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt -c requirements.lock

COPY . .
RUN useradd --system --uid 10001 --home-dir /app onewindow \
    && mkdir -p /var/lib/onewindow/media /var/lib/onewindow/staticfiles \
    && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && chown -R onewindow /var/lib/onewindow
USER onewindow

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
