"""Production refuses to start without its own encryption and blind-index keys (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from branches import checks

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET = "z" * 20 + "-long-random-production-key-0123456789abcdef"
FERNET = "Sx9yq3m1n0mWm3r7Rk3b5C2yq3iQmKMbQ1rXQfX5m0o="
INDEX = "b3l1bmQtaW5kZXgta2V5LWZvci10ZXN0cy0wMTIzNDU2Nzg5"


def _run(args, **extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")}  # fmt: skip
    env.update(DEBUG="False", SECRET_KEY=SECRET, HTTPS="True", ALLOWED_HOSTS="dangjian.example.gov.cn")
    env.update(extra)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_without_keys_fails_check_and_check_deploy_with_errors():
    for args in (["manage.py", "check"], ["manage.py", "check", "--deploy"]):
        out = _run(args)
        text = out.stdout + out.stderr
        assert out.returncode != 0, text
        assert "ERRORS:" in text and "branches.E001" in text and "branches.E002" in text
        assert "Fernet.generate_key()" in text  # the hint says how to make one


def test_production_refuses_keys_equal_to_the_secret_or_to_each_other():
    out = _run(["manage.py", "check"], FIELD_ENCRYPTION_KEYS=FERNET, BLIND_INDEX_KEY=SECRET)
    assert out.returncode != 0 and "branches.E003" in out.stderr
    out = _run(["manage.py", "check"], FIELD_ENCRYPTION_KEYS=FERNET, BLIND_INDEX_KEY=FERNET)
    assert out.returncode != 0 and "branches.E003" in out.stderr
    out = _run(["manage.py", "check"], FIELD_ENCRYPTION_KEYS="not-a-key", BLIND_INDEX_KEY=INDEX)
    assert out.returncode != 0 and "branches.E004" in out.stderr


def test_production_with_its_own_keys_passes_and_the_wsgi_app_loads():
    out = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
               FIELD_ENCRYPTION_KEYS=FERNET, BLIND_INDEX_KEY=INDEX)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    load = ["-c", "import config.wsgi; print('served')"]
    assert "served" in _run(load, FIELD_ENCRYPTION_KEYS=FERNET, BLIND_INDEX_KEY=INDEX).stdout


def test_gunicorn_which_runs_no_checks_refuses_to_load_the_app_without_keys():
    out = _run(["-c", "import config.wsgi"])
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and "branches.E001" in out.stderr


def test_development_keeps_a_derived_default_with_a_warning():
    out = _run(["manage.py", "check"], DEBUG="True")
    assert out.returncode == 0, out.stderr
    assert "branches.W001" in out.stdout + out.stderr


def test_key_problems_in_process(settings):
    settings.KEYS_DEV_DEFAULTS_ALLOWED = False
    settings.KEYS_DERIVED_FROM_SECRET = ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]
    assert {p.id for p in checks.key_problems()} == {"branches.E001", "branches.E002"}
    with pytest.raises(ImproperlyConfigured, match="E001"):
        checks.refuse_to_start_without_keys()
    settings.KEYS_DERIVED_FROM_SECRET = []
    settings.FIELD_ENCRYPTION_KEYS = [FERNET]
    settings.BLIND_INDEX_KEY = INDEX
    assert checks.key_problems() == []
    checks.refuse_to_start_without_keys()


def test_rotation_stays_a_command():
    from django.core.management import get_commands

    assert get_commands()["rotate_keys"] == "members"
