"""By hand (issue 14): hostile uploads against a real gunicorn worker, its memory watched.

    DATABASE_URL=sqlite:////tmp/hostile.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/hostile.sqlite3 .venv/bin/python manage.py demo_city
    .venv/bin/python bench/_hostile_server.py --db /tmp/hostile.sqlite3 --port 8101

Starts gunicorn (one sync worker, as in production) on 127.0.0.1, signs in as the village
secretary ``cun``, uploads each file to the roster import and each image as report evidence,
and prints, per file: the HTTP status, the refusal shown on the page, whether the server still
answers, and the worker's RSS. The worker's RSS is sampled every 50 ms and its VmHWM (the
kernel's peak) is read at the end; the parser children's peak is RUSAGE-like, from /proc while
they live. Hold-out files: built here, different from the test suite's. Not part of ``make
bench`` (leading underscore): it needs a demo city and a free port.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import os
import random
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
import zlib
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile  # noqa: E402

# --- hold-out files ------------------------------------------------------------------------------


def _zip(parts: dict[str, bytes], level=6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", hostile.CONTENT_TYPES)
        z.writestr("_rels/.rels", hostile.ROOT_RELS)
        z.writestr("xl/workbook.xml", hostile.WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", hostile.WORKBOOK_RELS)
        for k, v in parts.items():
            z.writestr(k, v)
    return buf.getvalue()


def far_cell(ref: str) -> bytes:
    row = int(re.sub(r"\D", "", ref))
    return _zip({"xl/worksheets/sheet1.xml": hostile.sheet_xml({1: [("A1", "姓名")], row: [(ref, "x")]})})


def lying_dimension() -> bytes:
    return _zip(
        {"xl/worksheets/sheet1.xml": hostile.sheet_xml({1: [("A1", "姓名")]}, dimension="A1:XFD1048576")}
    )


def shared_strings_bomb() -> bytes:
    sst = (
        b'<?xml version="1.0"?><sst xmlns="%s">' % hostile.NS.encode()
        + b"<si><t>x</t></si>" * 3_000_000
        + b"</sst>"
    )
    return _zip({"xl/worksheets/sheet1.xml": hostile.sheet_xml({1: [("A1", "姓名")]}), "xl/sharedStrings.xml": sst},
                level=9)  # fmt: skip


def low_entropy_big_sheet(rows=150_000) -> bytes:
    """Passes the guard (3 columns, 150,000 rows, ratio ~3.6): ~100 MB of XML for the child."""
    table = bytes.maketrans(bytes(range(256)), b"ACGT" * 64)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for k, v in {"[Content_Types].xml": hostile.CONTENT_TYPES, "_rels/.rels": hostile.ROOT_RELS,
                     "xl/workbook.xml": hostile.WORKBOOK, "xl/_rels/workbook.xml.rels": hostile.WORKBOOK_RELS}.items():  # fmt: skip
            z.writestr(k, v)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
            w.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{hostile.NS}"><sheetData>'.encode()
            )
            for r in range(1, rows + 1):
                cells = b"".join(
                    b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>'
                    % (col, r, os.urandom(200).translate(table))
                    for col in (b"A", b"B", b"C")
                )
                w.write(b'<row r="%d">%s</row>' % (r, cells))
            w.write(b"</sheetData></worksheet>")
    return out.getvalue()


def csv_one_long_line(mb=50) -> bytes:
    return b"\xe5\xa7\x93\xe5\x90\x8d," + b"9" * (mb * 1024 * 1024)


def many_ratio_parts() -> bytes:
    return _zip({f"xl/media/p{i}.bin": b"\0" * (2 * 1024 * 1024) for i in range(150)}
                | {"xl/worksheets/sheet1.xml": hostile.sheet_xml({1: [("A1", "姓名")]})}, level=9)  # fmt: skip


def png_rgb_bomb(w=20_000, h=20_000) -> bytes:
    row = b"\0" + b"\0" * (w * 3)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row * 64) for _ in range(h // 64)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + hostile._png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + hostile._png_chunk(b"IDAT", idat) + hostile._png_chunk(b"IEND", b""))  # fmt: skip


def honest_photo(w=7_000, h=5_700) -> bytes:
    from PIL import Image

    img = Image.effect_noise((w // 8, h // 8), 40).resize((w, h)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


SHEETS = [
    # name, builder, upload name, hold-out?
    ("test: A1 + XFD1048576", lambda: hostile.two_corners("XFD1048576"), "roster.xlsx", False),
    ("test: A1 + CV300000", lambda: hostile.two_corners("CV300000"), "roster.xlsx", False),
    ("test: 142 MB behind random padding", hostile.padded_bomb, "roster.xlsx", False),
    ("test: nested zips", hostile.nested_zip, "roster.xlsx", False),
    ("test: HTML named .xlsx", lambda: hostile.HTML_AS_XLSX, "roster.xlsx", False),
    ("test: PNG + zip polyglot", hostile.png_zip_polyglot, "roster.xlsx", False),
    ("hold-out: A1 + ZZ1", lambda: far_cell("ZZ1"), "roster.xlsx", True),
    ("hold-out: A1 + M1048576", lambda: far_cell("M1048576"), "roster.xlsx", True),
    ("hold-out: dimension A1:XFD1048576, two cells", lying_dimension, "roster.xlsx", True),
    ("hold-out: 3,000,000 shared strings", shared_strings_bomb, "roster.xlsx", True),
    ("hold-out: 150 parts of 2 MB zeros", many_ratio_parts, "roster.xlsx", True),
    ("hold-out: 150,000 rows × 3 × 200 chars (passes the guard)", low_entropy_big_sheet, "roster.xlsx", True),
    ("hold-out: CSV, one 50 MB line", csv_one_long_line, "roster.csv", True),
]
IMAGES = [
    ("test: PNG 12,600 × 12,600", hostile.png_bomb, "现场.png", False),
    ("test: JPEG claiming 30,000 × 30,000", hostile.jpeg_bomb, "现场.jpg", False),
    ("test: GIF 30 frames × 2,000²", hostile.gif_frames, "动图.gif", False),
    ("hold-out: PNG RGB 20,000 × 20,000", png_rgb_bomb, "现场.png", True),
    (
        "hold-out: GIF 12 frames × 4,000 × 3,000",
        lambda: hostile.gif_frames(4_000, 3_000, 12),
        "动图.gif",
        True,
    ),
    ("hold-out: JPEG claiming 65,000 × 65,000", lambda: hostile.jpeg_bomb(65_000, 65_000), "现场.jpg", True),
    ("honest: 39.9 Mpx JPEG photo (accepted)", honest_photo, "大图.jpg", True),
]

# --- a small HTTP client (the standard library: no requests on this machine) --------------------


class Response:
    def __init__(self, status: int, text: str, url: str):
        self.status_code, self.text, self.url = status, text, url


class Session:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _open(self, req, timeout):
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return Response(r.status, r.read().decode("utf-8", "replace"), r.url)
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read().decode("utf-8", "replace"), req.full_url)

    def get(self, url, timeout=60):
        return self._open(urllib.request.Request(url), timeout)

    def post(self, url, data, files=None, headers=None, timeout=60):
        boundary = uuid.uuid4().hex
        body = io.BytesIO()
        for k, v in data.items():
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for k, (fname, content) in (files or {}).items():
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{fname}"\r\n'
                       "Content-Type: application/octet-stream\r\n\r\n".encode())  # fmt: skip
            body.write(content)
            body.write(b"\r\n")
        body.write(f"--{boundary}--\r\n".encode())
        req = urllib.request.Request(url, data=body.getvalue(), method="POST", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})})  # fmt: skip
        return self._open(req, timeout)


# --- the server and its memory -------------------------------------------------------------------


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        return [int(x) for x in out.split()]
    except (OSError, ValueError):
        return []


class Watch(threading.Thread):
    def __init__(self, worker: int):
        super().__init__(daemon=True)
        self.worker, self.peak, self.child_peak, self.file_peak, self.stop = worker, 0, 0, 0, False

    def run(self):
        while not self.stop:
            rss = _status_kb(self.worker, "VmRSS")
            self.peak, self.file_peak = max(self.peak, rss), max(self.file_peak, rss)
            for c in _children(self.worker):
                self.child_peak = max(self.child_peak, _status_kb(c, "VmRSS"))
            time.sleep(0.05)


def _refusal(html: str) -> str:
    """What the page tells the person: field errors, form errors, the import's error rows."""
    found = re.findall(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    found += re.findall(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    found += re.findall(r'<tr class="import-error">(.*?)</tr>', html, re.S)[:2]
    text = " ".join(re.sub(r"<[^>]+>", " ", unescape(x)) for x in found)
    return re.sub(r"\s+", " ", text).strip()


def _csrf(s: Session, url: str) -> str:
    html = s.get(url, timeout=60).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/hostile.sqlite3")
    ap.add_argument("--port", type=int, default=8101)
    args = ap.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{args.db}", DEBUG="True",
               UPLOAD_TEMP_DIR="/tmp/hostile_server_uploads")  # fmt: skip
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{args.port}",
         "-w", "1", "--timeout", "300"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open("/tmp/hostile_server.log", "w"),  # noqa: SIM115
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=30)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        worker = _children(server.pid)[0]
        s = Session()
        tok = _csrf(s, base + "/accounts/login/")
        s.post(base + "/accounts/login/", data={"username": "cun", "password": "demo-pass-2023",
               "csrfmiddlewaretoken": tok}, headers={"Referer": base + "/accounts/login/"}, timeout=60)  # fmt: skip
        assert s.get(base + "/members/", timeout=60).status_code == 200, "login failed"
        start_rss = _status_kb(worker, "VmRSS")
        watch = Watch(worker)
        watch.start()
        print(
            f"gunicorn master {server.pid}, worker {worker}, worker RSS after login {start_rss / 1024:.0f} MB\n"
        )
        print("| file | size | HTTP | refusal shown | still serving | worker peak RSS during |")
        print("|---|---:|---:|---|---|---:|")
        for name, build, fname, _hold in SHEETS:
            data = build()
            tok = _csrf(s, base + "/members/import/")
            watch.file_peak = 0
            t = time.time()
            r = s.post(base + "/members/import/", data={"csrfmiddlewaretoken": tok},
                       files={"file": (fname, data)}, headers={"Referer": base + "/members/import/"}, timeout=400)  # fmt: skip
            took = time.time() - t
            alive = s.get(base + "/members/", timeout=60).status_code == 200
            print(f"| {name} | {len(data) / 1024:,.0f} KB | {r.status_code} ({took:.1f} s) | {_refusal(r.text)[:160]} "
                  f"| {'yes' if alive else 'NO'} | {watch.file_peak / 1024:.0f} MB |")  # fmt: skip
        # Images: as report evidence on one of the secretary's checklist items.
        html = s.get(base + "/pilot/", timeout=60).text
        items = sorted(set(re.findall(r"/pilot/items/(\d+)/", html)))
        item = items[0] if items else None
        for name, build, fname, _hold in IMAGES:
            if item is None:
                print(f"| {name} | – | – | no checklist item for cun | – | – |")
                continue
            data = build()
            url = f"{base}/pilot/items/{item}/report/"
            tok = _csrf(s, f"{base}/pilot/items/{item}/")
            watch.file_peak = 0
            t = time.time()
            r = s.post(url, data={"csrfmiddlewaretoken": tok, "state": "in_progress", "percent": "50",
                                  "narrative": "测试", "delay_reason": "测试"},
                       files={"evidence": (fname, data)}, headers={"Referer": url}, timeout=400)  # fmt: skip
            took = time.time() - t
            alive = s.get(base + "/members/", timeout=60).status_code == 200
            shown = _refusal(r.text) or ("accepted (redirected to the item)" if r.url != url else "")
            print(f"| {name} | {len(data) / 1024:,.0f} KB | {r.status_code} ({took:.1f} s) | {shown[:160]} "
                  f"| {'yes' if alive else 'NO'} | {watch.file_peak / 1024:.0f} MB |")  # fmt: skip
        watch.stop = True
        watch.join()
        hwm = _status_kb(worker, "VmHWM")
        print(f"\nworker PID unchanged: {worker in _children(server.pid)}; worker peak RSS: sampled "
              f"{watch.peak / 1024:.0f} MB, VmHWM {hwm / 1024:.0f} MB; parser children's peak RSS (sampled) "
              f"{watch.child_peak / 1024:.0f} MB")  # fmt: skip
        left = list(Path("/tmp/hostile_server_uploads").rglob("*.*"))
        print(f"temporary uploads left: {len([p for p in left if p.is_file()])}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    random.seed(1)
    main()
