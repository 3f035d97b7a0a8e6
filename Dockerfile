# 党建整体推进平台 — one image for web (gunicorn), Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango; fonts-noto-cjk so PDFs print Chinese even without the shipped subset;
# libharfbuzz-subset0 so WeasyPrint subsets fonts with HarfBuzz (without it: 7–10 s per report);
# libmagic1 for upload type checks; poppler-utils for PDF checks.
# postgresql-client-16 (PGDG; Debian's is 15, which cannot dump the compose file's postgres:16)
# for `manage.py backup` / `restore`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
      fonts-noto-cjk libmagic1 poppler-utils curl ca-certificates \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-16 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app && useradd --system --gid app --home /app app
WORKDIR /app

# The project installs no modules of its own (py-modules = []): this layer is just the pinned
# runtime dependencies (hashes checked), cached until the lock file changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN DEBUG=False SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput -v0 \
 && mkdir -p /data/media /data/beat /data/backups && chown -R app:app /data /app

USER app
ENV DEBUG=False \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles \
    CELERY_BEAT_SCHEDULE_FILENAME=/data/beat/celerybeat-schedule
EXPOSE 8000
# gthread workers: a slow phone on a long download (a township's zip) holds a thread, not the
# whole process, so three processes × eight threads keep answering (README, "Serving downloads").
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "8", "--timeout", "120", "--graceful-timeout", "30", "--access-logfile", "-"]
