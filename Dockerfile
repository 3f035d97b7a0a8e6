# 党建整体推进平台 — one image for web (gunicorn), Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango; fonts-noto-cjk so PDFs print Chinese even without the shipped subset;
# libharfbuzz-subset0 so WeasyPrint subsets fonts with HarfBuzz (without it: 7–10 s per report);
# libmagic1 for upload type checks; poppler-utils for PDF checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
      fonts-noto-cjk libmagic1 poppler-utils curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app && useradd --system --gid app --home /app app
WORKDIR /app

# The project installs no modules of its own (py-modules = []): this layer is just the pinned
# runtime dependencies (hashes checked), cached until the lock file changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN DEBUG=False SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput -v0 \
 && mkdir -p /data/media && chown -R app:app /data /app

USER app
ENV DEBUG=False \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
