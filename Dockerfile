# The archive's web image: gunicorn serving archive.wsgi on port 8000, static files built in.
# docker-compose.yml runs it beside PostgreSQL; it needs DATABASE_URL and, with PRODUCTION=true,
# SECRET_KEY at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 app
WORKDIR /app

# The dependencies first, read from pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Editable, so settings find templates/, static/ and samples/ beside the code in /app.
# collectstatic needs a key, not the image's: none is written into it (.secret_key).
RUN pip install --no-deps -e . \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v 0

# The search index lives here (SEARCH_INDEX_DIR), written by the app's user; it is derived from
# the database, and rebuilt from it when missing.
RUN mkdir -p /app/search-index && chown app /app/search-index

USER app
EXPOSE 8000
# --timeout: an export streams for as long as it lasts (README: Exports).
CMD ["gunicorn", "archive.wsgi", "--bind", "0.0.0.0:8000", "--timeout", "600", "--access-logfile", "-"]
