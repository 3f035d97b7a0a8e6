"""Encrypted backups: a PostgreSQL dump (pg_dump custom format) and the media files in one file,
encrypted at rest with its own key (``BACKUP_KEY``, never the field-encryption keys).

The file is a tar stream (``db.dump`` + ``media/…``) encrypted in 1 MiB chunks with AES-256-GCM
(``cryptography``), so neither side ever holds the whole backup in memory:

    b"PBBACKUP1" | 16-byte file id | { 4-byte length | 12-byte nonce | ciphertext+tag } …

Each chunk's associated data is the file id, its index and a "last chunk" flag: a chunk moved,
dropped, swapped from another backup or a truncated file fails authentication on restore.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"PBBACKUP1"
CHUNK = 1 << 20


class BackupError(Exception):
    """Shown to the operator (Chinese)."""


def load_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            'BACKUP_KEY 无效：应为 32 字节的 urlsafe base64 密钥（生成：python -c "import base64, os; '
            'print(base64.urlsafe_b64encode(os.urandom(32)).decode())"）。'
        )
    return key


def _aad(file_id: bytes, index: int, last: bool) -> bytes:
    return file_id + struct.pack(">QB", index, 1 if last else 0)


class EncryptingWriter:
    """A write-only binary stream that encrypts what it is given, chunk by chunk."""

    def __init__(self, raw, key: bytes):
        self.raw, self.aes, self.buf, self.index = raw, AESGCM(key), bytearray(), 0
        self.file_id = os.urandom(16)
        raw.write(MAGIC + self.file_id)

    def _emit(self, data: bytes, last: bool) -> None:
        nonce = os.urandom(12)
        ct = self.aes.encrypt(nonce, bytes(data), _aad(self.file_id, self.index, last))
        self.raw.write(struct.pack(">I", len(ct)) + nonce + ct)
        self.index += 1

    def write(self, data) -> int:
        self.buf += data
        while len(self.buf) > CHUNK:
            self._emit(self.buf[:CHUNK], False)
            del self.buf[:CHUNK]
        return len(data)

    def close(self) -> None:
        self._emit(self.buf, True)
        self.buf = bytearray()

    def flush(self) -> None:  # tarfile calls it
        pass


def decrypted_chunks(raw, key: bytes):
    head = raw.read(len(MAGIC) + 16)
    if not head.startswith(MAGIC) or len(head) != len(MAGIC) + 16:
        raise BackupError("不是本系统的备份文件。")
    file_id, aes, index = head[len(MAGIC) :], AESGCM(key), 0
    while True:
        size = raw.read(4)
        if len(size) != 4:
            raise BackupError("备份文件不完整（被截断）。")
        (n,) = struct.unpack(">I", size)
        nonce, ct = raw.read(12), raw.read(n)
        if len(nonce) != 12 or len(ct) != n:
            raise BackupError("备份文件不完整（被截断）。")
        for last in (False, True):
            try:
                plain = aes.decrypt(nonce, ct, _aad(file_id, index, last))
                break
            except Exception:  # noqa: BLE001 - InvalidTag: try the other flag, then give up
                plain = None
        if plain is None:
            raise BackupError("备份文件校验失败：密钥不对，或文件被改动。")
        yield plain
        index += 1
        if last:
            if raw.read(1):
                raise BackupError("备份文件校验失败：结尾之后还有数据。")
            return


class DecryptingReader:
    def __init__(self, raw, key: bytes):
        self.chunks, self.buf = decrypted_chunks(raw, key), bytearray()

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self.buf) < n:
            try:
                self.buf += next(self.chunks)
            except StopIteration:
                break
        if n < 0:
            n = len(self.buf)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: PG_BIN_DIR, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    if os.environ.get("PG_BIN_DIR"):
        return str(Path(os.environ["PG_BIN_DIR"]) / name)
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if not path:
        raise BackupError(f"找不到 {name}（安装 postgresql-client，或设置 PG_BIN_DIR）。")
    return path


def _pg_args(db: dict) -> tuple[list[str], dict]:
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def backup(*, db: dict, media_root: Path, out_path: Path, key: bytes) -> dict:
    """Write the encrypted backup; returns what it holds (sizes, file count)."""
    if "postgresql" not in db["ENGINE"]:
        raise BackupError("备份需要 PostgreSQL（嵌入式 SQLite 请直接复制 db.sqlite3）。")
    args, env = _pg_args(db)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pb-backup-") as tmp:
        dump = Path(tmp) / "db.dump"
        res = subprocess.run([pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", *args, "-f", str(dump),
                              db["NAME"]], env=env, capture_output=True, text=True)  # fmt: skip
        if res.returncode:
            raise BackupError(f"pg_dump 失败：{res.stderr.strip()[-500:]}")
        partial = out_path.with_suffix(out_path.suffix + ".part")
        files = 0
        with open(partial, "wb") as raw:
            enc = EncryptingWriter(raw, key)
            with tarfile.open(fileobj=enc, mode="w|") as tar:
                tar.add(dump, arcname="db.dump")
                if media_root.is_dir():
                    for p in sorted(media_root.rglob("*")):
                        if p.is_file():
                            tar.add(
                                p, arcname=f"media/{p.relative_to(media_root).as_posix()}", recursive=False
                            )
                            files += 1
            enc.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(partial, 0o600)
        partial.rename(out_path)  # a backup interrupted half-way never looks complete
        return {"path": str(out_path), "dump_bytes": dump.stat().st_size, "media_files": files,
                "bytes": out_path.stat().st_size}  # fmt: skip


def restore(*, in_path: Path, db: dict, media_root: Path, key: bytes) -> dict:
    """Restore into a fresh (empty) database and a media directory."""
    if "postgresql" not in db["ENGINE"]:
        raise BackupError("恢复需要 PostgreSQL。")
    import psycopg

    args, env = _pg_args(db)
    conninfo = {"host": args[1], "port": args[3], "dbname": db["NAME"], "user": db.get("USER") or None,
                "password": db.get("PASSWORD") or None}  # fmt: skip
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}) as conn:
        n = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    if n:
        raise BackupError(f"目标数据库 {db['NAME']} 不是空库（已有 {n} 张表）：请恢复到新建的数据库。")
    media_root.mkdir(parents=True, exist_ok=True)
    files = 0
    with tempfile.TemporaryDirectory(prefix="pb-restore-") as tmp, open(in_path, "rb") as raw:
        dump = Path(tmp) / "db.dump"
        with tarfile.open(fileobj=DecryptingReader(raw, key), mode="r|") as tar:
            for member in tar:
                if member.name == "db.dump":
                    tar.extract(member, tmp, filter="data")
                elif member.name.startswith("media/") and member.isfile():
                    member.name = member.name[len("media/") :]
                    tar.extract(member, media_root, filter="data")  # refuses ../ and absolute paths
                    files += 1
        if not dump.exists():
            raise BackupError("备份里没有数据库转储。")
        res = subprocess.run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", *args,
                              "-d", db["NAME"], str(dump)], env=env, capture_output=True, text=True)  # fmt: skip
        if res.returncode:
            raise BackupError(f"pg_restore 失败：{res.stderr.strip()[-500:]}")
    # pg_restore brings no planner statistics: ANALYZE as after every bulk load (config.dbstats;
    # this database need not be Django's connection, hence psycopg here).
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return {"media_files": files}
