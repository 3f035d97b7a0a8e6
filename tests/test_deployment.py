"""The production files are kept correct by reading them (no Docker engine runs here)."""

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "Sx9yq3m1n0mWm3r7Rk3b5C2yq3iQmKMbQ1rXQfX5m0o=",
    "BLIND_INDEX_KEY": "b3l1bmQtaW5kZXgta2V5LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
}


def _env(**extra):
    """The real environment, less what the browser fixture sets for Playwright's event loop."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    env.update(PRODUCTION_KEYS)  # production needs its own keys (tests/branches/test_keys.py)
    env.update(extra)
    return env


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_workers_beat_db_redis_from_one_image():
    svc = _compose()["services"]
    assert {"web", "worker", "worker-reports", "beat", "db", "redis", "migrate"} <= set(svc)
    for name in ("web", "worker", "worker-reports", "beat", "migrate"):
        assert svc[name]["image"] == "partybuild:latest" and svc[name]["build"] == "."
        assert svc[name]["env_file"] == ".env"
        assert svc[name]["environment"] == {"DEBUG": "False"}  # nothing overrides .env's secrets
    assert "gunicorn" in svc["web"]["command"] and "config.wsgi:application" in svc["web"]["command"]
    assert svc["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert svc["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert svc["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert svc["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert svc["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(svc["db"]["healthcheck"]["test"])
    assert svc["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_compose_secrets_come_only_from_env_file():
    text = (ROOT / "docker-compose.yml").read_text()
    svc = _compose()["services"]
    assert "POSTGRES_PASSWORD" not in text.replace("POSTGRES_PASSWORD there", "")  # only a comment names it
    assert "partybuild:partybuild@" not in text and "SECRET_KEY" not in text
    assert svc["db"]["env_file"] == ".env" and "environment" not in svc["db"]
    example = (ROOT / ".env.example").read_text()
    user, password, db = (
        re.search(rf"^POSTGRES_{k}=(.+)$", example, re.M).group(1) for k in ("USER", "PASSWORD", "DB")
    )
    url = re.search(r"^DATABASE_URL=(.+)$", example, re.M).group(1)
    assert url == f"postgres://{user}:{password}@db:5432/{db}"  # the web side matches what db creates


def test_every_compose_service_has_a_healthcheck_and_web_uses_healthz():
    svc = _compose()["services"]
    for name, s in svc.items():
        if name != "migrate":
            assert s.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    web = svc["web"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/healthz/" in web and "Host: localhost" in web
    for name in ("worker", "worker-reports"):
        test = " ".join(svc[name]["healthcheck"]["test"])
        node = svc[name]["command"][svc[name]["command"].index("-n") + 1].split("@")[0]
        assert "inspect ping" in test and f"-d {node}@$$HOSTNAME" in test
    assert svc["beat"]["healthcheck"]["test"][:4] == ["CMD", "python", "manage.py", "healthcheck"]


def test_workers_listen_on_every_routed_queue_and_reports_have_their_own():
    from django.conf import settings

    svc = _compose()["services"]

    def queues(name):
        cmd = svc[name]["command"]
        return set(cmd[cmd.index("-Q") + 1].split(","))

    routed = {r["queue"] for r in settings.CELERY_TASK_ROUTES.values()} | {settings.CELERY_TASK_DEFAULT_QUEUE}
    assert queues("worker") | queues("worker-reports") == routed
    assert queues("worker-reports") == {"reports"} and "reports" not in queues("worker")
    assert settings.CELERY_TASK_ROUTES["assessments.compute_run"]["queue"] != "reports"
    ci = (ROOT / ".ci" / "run").read_text()
    assert all(
        q in re.search(r"celery -A config worker[\s\S]*?-Q (\S+)", ci).group(1).split(",") for q in routed
    )


def test_redis_runs_with_aof_everywhere_and_beat_keeps_its_schedule_on_a_volume():
    svc = _compose()["services"]
    redis_cmd = svc["redis"]["command"]
    assert redis_cmd[redis_cmd.index("--appendonly") + 1] == "yes"
    ci = (ROOT / ".ci" / "run").read_text()
    line = next(ln for ln in ci.splitlines() if "redis-server" in ln)
    assert "--appendonly yes" in line
    ci_dir = re.search(r"--dir (\S+)", line).group(1)
    assert f"mkdir -p {ci_dir}" in ci  # the directory exists before redis-server starts
    readme = (ROOT / "README.md").read_text()
    assert "redis-server --appendonly yes" in readme
    beat = svc["beat"]["command"]
    schedule = beat[beat.index("--schedule") + 1]
    assert not schedule.startswith("/tmp") and any(
        v.split(":")[0] in _compose()["volumes"] and schedule.startswith(v.split(":")[1] + "/")
        for v in svc["beat"]["volumes"]
    )


def test_gunicorn_uses_threads_so_a_slow_download_cannot_pin_a_worker():
    df = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", df, re.M).group(1))
    web = _compose()["services"]["web"]["command"]
    for c in (cmd, web):
        assert c[c.index("--worker-class") + 1] == "gthread" and int(c[c.index("--threads") + 1]) >= 4


def test_compose_env_vars_are_the_ones_settings_read():
    settings_src = (ROOT / "config" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_src))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.M)) | set(
        re.findall(r"^# ([A-Z_]+) ", example, re.M)
    )
    missing = (
        read
        - documented
        - {"CELERY_TASK_ALWAYS_EAGER", "SILENCED_SYSTEM_CHECKS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_PRELOAD"}
    )
    assert not missing, f".env.example does not document {sorted(missing)}"


def test_dockerfile_installs_what_pdfs_need_and_serves_with_gunicorn():
    df = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", df, re.M)
    for pkg in ("fonts-noto-cjk", "libharfbuzz-subset0", "libpango-1.0-0", "libmagic1"):
        assert pkg in df
    assert "collectstatic" in df and "USER app" in df
    assert '"gunicorn", "config.wsgi:application"' in df
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.lower().startswith("gunicorn") for d in deps)


def test_deploy_check_is_clean_behind_https_proxy(tmp_path):
    env = _env(DEBUG="False", SECRET_KEY="x" * 20 + "-long-random-production-key-0123456789abcdef",
               HTTPS="True", ALLOWED_HOSTS="dangjian.example.gov.cn")  # fmt: skip
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                         cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_deploy_check_without_https_only_reports_what_the_proxy_settles():
    env = _env(
        DEBUG="False", SECRET_KEY="y" * 20 + "-long-random-production-key-0123456789abcdef", HTTPS="False"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    ids = set(re.findall(r"\(security\.(W\d+)\)", out.stdout + out.stderr))
    assert ids <= {"W004", "W008", "W012", "W016"}, ids


def test_production_refuses_to_start_without_a_secret_key():
    env = _env(DEBUG="False")
    env.pop("SECRET_KEY", None)
    out = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr


def _locked(path):
    """``{name: version}`` of a uv/pip-tools lock file; every requirement must carry hashes."""
    text = (ROOT / path).read_text()
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s\\;]+)", text, re.M | re.I))
    blocks = re.split(r"\n(?=[a-z0-9])", text, flags=re.I)
    for block in blocks:
        if "==" in block.split("\n", 1)[0]:
            assert "--hash=sha256:" in block, f"{path}: {block.splitlines()[0]} has no hash"
    return {k.lower().replace("_", "-"): v for k, v in pins.items()}


def test_installs_are_pinned_with_hashes_and_the_image_uses_the_runtime_lock():
    runtime, dev = _locked("requirements.lock"), _locked("requirements-dev.lock")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        name = re.split(r"[\[<>=~!; ]", dep, maxsplit=1)[0].lower().replace("_", "-")
        assert name in runtime, f"{name} is not pinned in requirements.lock"
        assert dev[name] == runtime[name], f"{name}: the two locks disagree"
    # celery/kombu 5.7.0 lose the worker when Redis drops mid-task; 5.6 reconnects.
    assert runtime["celery"].startswith("5.6.") and runtime["kombu"].startswith("5.6.")
    assert "ruff" in dev and "ruff" not in runtime and "pytest" not in runtime
    assert "--require-hashes -r requirements.lock" in (ROOT / "Dockerfile").read_text()
    mk = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in mk and "ruff format --check" in mk
    assert re.search(r"^upgrade:", mk, re.M)
