"""Shared helpers for the benchmark scripts: a scratch database, timing and memory."""

from __future__ import annotations

import atexit
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def machine() -> str:
    m = (
        re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        if Path("/proc/cpuinfo").exists()
        else None
    )
    cpu = m.group(1) if m else ""
    return f"{platform.node()} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()}"


_RUN = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"  # this run's: two runs side by side never share a scratch


def scratch_env(name: str, engine: str = "sqlite") -> dict:
    """An environment with a fresh scratch database of this run (``bench_<name>_<run>`` or
    ``/tmp/bench-<name>-<run>.sqlite3``), dropped or deleted when the script exits."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    if engine == "sqlite":
        path = Path(f"/tmp/bench-{name}-{_RUN}.sqlite3")
        files = [Path(str(path) + suffix) for suffix in ("", "-wal", "-shm")]
        for f in files:
            f.unlink(missing_ok=True)
        atexit.register(lambda: [f.unlink(missing_ok=True) for f in files])
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        db = f"bench_{name}_{_RUN}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {db}"], check=True
        )
        atexit.register(
            subprocess.run,
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                f"DROP DATABASE IF EXISTS {db} WITH (FORCE)",
            ],
        )
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    env["DEBUG"] = "True"
    return env


def run_timed(args: list[str], env: dict) -> tuple[float, int, str]:
    """Run a command; return (wall seconds, peak RSS in MiB, stdout)."""
    t = time.perf_counter()
    out = subprocess.run(
        ["/usr/bin/time", "-f", "MAXRSS=%M", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    rss = int(re.search(r"MAXRSS=(\d+)", out.stderr).group(1)) // 1024
    return wall, rss, out.stdout


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def summarize(ms: list[float]) -> str:
    return f"median {statistics.median(ms):.1f} ms, p99 {percentile(ms, 99):.1f} ms (n={len(ms)})"


def load_average() -> str:
    """The 1/5/15-minute load average, printed beside every ratio (the machine is shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
