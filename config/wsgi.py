import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: without its own encryption keys production refuses to serve.
from branches.checks import refuse_to_start_without_keys  # noqa: E402

refuse_to_start_without_keys()
