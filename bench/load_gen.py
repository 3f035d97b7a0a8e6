"""The closed-loop load generator of ``bench/load.py``: one keep-alive HTTP client per virtual
user (http.client in threads, loopback only), the pages each role cycles through, and ``drive``,
which runs the loops for a phase and returns the samples."""

from __future__ import annotations

import http.client
import random
import resource
import threading
import time
import uuid
from collections import defaultdict
from urllib.parse import urlencode

MIX = (("village", 7), ("township", 2), ("department", 1))


class Client:
    """One virtual user's keep-alive connection (reconnects when the server closed it)."""

    def __init__(self, port: int, session: str | None):
        self.port, self.conn = port, None
        self.csrf = uuid.uuid4().hex  # an unmasked 32-character secret: cookie and field alike
        cookies = [f"csrftoken={self.csrf}"] + ([f"sessionid={session}"] if session else [])
        self.headers = {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https", "Cookie": "; ".join(cookies),
                        "User-Agent": "bench-load", "Accept": "text/html"}  # fmt: skip

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, int]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = urlencode({**body, "csrfmiddlewaretoken": self.csrf}).encode()
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": f"https://127.0.0.1:{self.port}",
                            "Referer": f"https://127.0.0.1:{self.port}{path}"})  # fmt: skip
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                n = len(resp.read())
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, n
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()  # the server closed an idle keep-alive connection: once more, fresh
                if attempt == 2:
                    raise
        raise AssertionError

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _cycle(kind: str, user: dict, city: int, rng: random.Random):
    """The pages of one role, in a loop: (label, method, path, body, expected status)."""
    while True:
        if kind == "village":
            yield "village home", "GET", "/", None, 200
            yield "village checklist", "GET", "/pilot/", None, 200
            if user["items"]:
                item = rng.choice(user["items"])
                body = {"state": "in_progress", "percent": rng.randint(10, 90), "narrative": "负载测试：推进中。",
                        "delay_reason": "负载测试", "idempotency_key": uuid.uuid4().hex}  # fmt: skip
                yield "village report POST", "POST", f"/pilot/items/{item}/report/", body, 302
        elif kind == "township":
            yield "township home", "GET", "/", None, 200
            yield "township matrix", "GET", "/pilot/matrix/", None, 200
        elif kind == "department":
            yield "city home", "GET", "/", None, 200
            yield "city ranking", "GET", f"/assessments/ranking/{city}/", None, 200
            yield "city dashboard", "GET", f"/reports/org/{city}/", None, 200
            yield "city assessments", "GET", "/assessments/", None, 200
        else:  # the ceiling: the login page, anonymous
            yield "login page", "GET", "/accounts/login/", None, 200


def drive(port: int, plan: dict, users: int, duration: float, think: float, kind: str | None, seed: int):
    """``users`` closed loops for ``duration`` seconds (after a warm-up of 3 s that is not counted).
    ``kind`` None is the 7:2:1 mix; "login" the login page alone."""
    if kind == "login":
        roles = ["login"] * users
    else:
        pattern = [kind for kind, weight in MIX for _ in range(weight)]  # 7 village, 2 township, 1 department
        roles = [pattern[i % len(pattern)] for i in range(users)]
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    statuses: dict[str, int] = defaultdict(int)  # what the errors were
    lock = threading.Lock()
    warm_until = time.monotonic() + 3
    stop_at = warm_until + duration
    counts = {"n": 0}

    def loop(i: int, role: str):
        r = random.Random(seed * 1000 + i)
        pool = plan.get(role) or [{"session": None, "items": []}]
        user = pool[i % len(pool)]
        c = Client(port, user["session"])
        time.sleep(r.random() * (min(think, 2) if think else 0.5))  # stagger the start
        pages = _cycle(role, user, plan["city"], r)
        while time.monotonic() < stop_at:
            label, method, path, body, expected = next(pages)
            t = time.perf_counter()
            try:
                status, _n = c.request(method, path, body)
            except (OSError, http.client.HTTPException):
                status = -1
                c.close()
            ms = (time.perf_counter() - t) * 1000
            now = time.monotonic()
            if now >= warm_until and now < stop_at:
                with lock:
                    samples[label].append(ms)
                    counts["n"] += 1
                    if status != expected:
                        errors[label] += 1
                        statuses[f"{label}: {status}"] += 1
            if think:
                time.sleep(r.expovariate(1 / think) if think else 0)
        c.close()

    threads = [threading.Thread(target=loop, args=(i, role), daemon=True) for i, role in enumerate(roles)]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=duration + 120)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    gen_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {"samples": dict(samples), "errors": dict(errors), "statuses": dict(statuses), "n": counts["n"], "seconds": duration,
            "generator_cpu_s": gen_cpu}  # fmt: skip
