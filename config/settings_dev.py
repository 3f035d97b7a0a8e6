"""Development and tests: config/settings.py with DEBUG set explicitly on (its default is off, as in
production). pytest reads this module (pyproject.toml); processes the tests start (a Celery worker,
``manage.py check``) inherit DEBUG from the environment unless they set it themselves."""

import os

os.environ.setdefault("DEBUG", "True")

from config.settings import *  # noqa: E402, F403
