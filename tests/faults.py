"""The fault suite's own machinery: a private redis-server (AOF on, as in production) on a port
of its own, real Celery workers started and killed as subprocesses, and the test process's
Celery app pointed at that Redis — so CI's shared worker and Redis are never touched.

Used by ``tests/test_faults.py`` (marked ``celery_worker``: the PostgreSQL pass of .ci/run).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
#: Ports tried for the private Redis (the first free one); FAULTS_REDIS_PORTS="6391-6399" overrides.
PORTS = os.environ.get("FAULTS_REDIS_PORTS", "6391-6399")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    lo, _, hi = PORTS.partition("-")
    for port in range(int(lo), int(hi or lo) + 1):
        if _port_free(port):
            return port
    raise RuntimeError(f"no free port in {PORTS} for the fault suite's Redis")


def wait_for(pred, *, timeout: float, what: str, every: float = 0.1):
    """Poll ``pred`` until it answers truthy (returned) or ``timeout`` seconds pass (fail)."""
    end = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class Redis:
    """``redis-server --appendonly yes`` on a private port and directory; stop/start keep the AOF."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        cmd = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
               "--appendfsync", "everysec", "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")]  # fmt: skip
        self.proc = subprocess.Popen(cmd, start_new_session=True)
        wait_for(self.ping, timeout=10, what=f"redis-server on {self.port}")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.3, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self, sig=signal.SIGTERM) -> None:
        """SIGTERM: a restart (the AOF is flushed); SIGKILL: the process dies on the spot."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=15)
        self.proc = None

    def restart(self, *, down_for: float = 1.0, sig=signal.SIGTERM) -> None:
        self.stop(sig)
        assert not self.ping()
        time.sleep(down_for)
        self.start()

    def client(self):
        import redis

        return redis.Redis(port=self.port)


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A real ``celery worker`` (prefork, one child) on the private Redis and the test database,
    listening on every queue production uses. ``kill()`` is ``kill -9`` of the whole worker;
    ``kill_child()`` of the pool process running the task (as the kernel's OOM killer does)."""

    counter = 0

    def __init__(self, redis: Redis, logdir: Path, **env):
        Worker.counter += 1
        self.name = f"faults{Worker.counter}"
        self.log = logdir / f"{self.name}.log"
        broker = redis.url
        self.env = {
            **os.environ,
            # named, so a test can drop exactly this worker's database connections
            "DATABASE_URL": f"{database_url()}?application_name={self.name}",
            "REDIS_URL": broker,
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "CACHE_URL": broker.rsplit("/", 1)[0] + "/1",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **{k: str(v) for k, v in env.items()},
        }
        self.env.pop("CELERY_WORKER_TESTS", None)
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        cmd = [str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
               "-Q", "celery,scoring,reports", "-n", f"{self.name}@%h", "--loglevel", "WARNING",
               "--without-mingle", "--without-gossip"]  # fmt: skip
        self._fh = open(self.log, "ab")  # noqa: SIM115 - closed in kill()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # fmt: skip
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def children(self) -> list[int]:
        try:
            raw = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in raw.split()]

    def kill_child(self) -> int:
        kids = wait_for(self.children, timeout=10, what="the worker's pool process")
        os.kill(kids[0], signal.SIGKILL)
        return kids[0]

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        if getattr(self, "_fh", None):
            self._fh.close()

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def point_app_at(url: str) -> dict:
    """Publish from the test process to ``url`` (the private Redis): both spellings of the
    setting (the CELERY_ namespace wins), and the cached connection and producer pools dropped so
    the next ``delay()`` connects there. Returns the old values for ``restore_app``."""
    from config.celery import app

    old = {"broker_url": app.conf.broker_url, "CELERY_BROKER_URL": app.conf.get("CELERY_BROKER_URL")}
    app.conf.update(broker_url=url, CELERY_BROKER_URL=url)
    _drop_pools(app)
    return old


def restore_app(old: dict) -> None:
    from config.celery import app

    app.conf.update(**old)
    _drop_pools(app)


def _drop_pools(app) -> None:
    """Forget the app's pools (kombu keeps one per broker URL in a global registry and hands the
    same one back for the same URL, so they are never closed here)."""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def restore_orphaned_messages(redis: Redis) -> int:
    """What Redis does for a message whose worker died before acknowledging it, once the
    visibility timeout (an hour in production) has passed: put it back on its queue. Returns how
    many came back."""
    from kombu import Connection

    with Connection(redis.url, transport_options={"visibility_timeout": 0}) as conn:
        qos = conn.default_channel.qos
        n = redis.client().zcard(qos.unacked_index_key)
        qos.restore_visible(num=1000)
        return n
