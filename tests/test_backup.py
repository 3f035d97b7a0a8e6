"""Backups: a backup restored into a fresh database has the same rows; the file is encrypted
and tamper-evident. The round trip needs PostgreSQL (CI's second pass); on SQLite it skips."""

import base64
import io
import os
import uuid

import pytest
from django.db import connection

from config import backup as bk

KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def test_the_stream_is_encrypted_and_any_change_is_refused():
    plain = os.urandom(3 * bk.CHUNK + 123)  # four chunks, the last one short
    out = io.BytesIO()
    w = bk.EncryptingWriter(out, bk.load_key(KEY))
    w.write(plain)
    w.close()
    blob = out.getvalue()
    assert plain[:64] not in blob and len(blob) == len(bk.MAGIC) + 16 + len(plain) + 4 * (4 + 12 + 16)
    assert bk.DecryptingReader(io.BytesIO(blob), bk.load_key(KEY)).read() == plain
    with pytest.raises(bk.BackupError, match="密钥不对"):
        bk.DecryptingReader(
            io.BytesIO(blob), base64.urlsafe_b64decode(base64.urlsafe_b64encode(b"x" * 32))
        ).read()
    flipped = bytearray(blob)
    flipped[len(bk.MAGIC) + 16 + 40] ^= 1
    with pytest.raises(bk.BackupError, match="校验失败"):
        bk.DecryptingReader(io.BytesIO(bytes(flipped)), bk.load_key(KEY)).read()
    with pytest.raises(bk.BackupError, match="截断|校验失败"):  # the last chunk cut off
        bk.DecryptingReader(io.BytesIO(blob[: -(4 + 12 + 16 + 123)]), bk.load_key(KEY)).read()
    with pytest.raises(bk.BackupError, match="BACKUP_KEY"):
        bk.load_key("too-short")


def _fingerprint(cur) -> dict:
    """Each table's row count and the md5 of its rows as PostgreSQL prints them (server-side
    text: the same whichever client reads it)."""
    cur.execute("SET TIME ZONE 'UTC'")
    out = {}
    for table in (
        "branches_organization",
        "auth_user",
        "branches_role",
        "branches_auditevent",
        "django_migrations",
    ):
        cur.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t"
        )  # noqa: S608
        out[table] = tuple(cur.fetchone())
    return out


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_has_the_same_rows(small_city, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump / pg_restore: PostgreSQL only (CI's second pass)")
    try:
        bk.pg_tool("pg_dump")
    except bk.BackupError:
        pytest.skip("no pg_dump on this machine")
    import psycopg
    from django.core.management import call_command

    settings.BACKUP_KEY = KEY
    media = tmp_path / "media"
    (media / "reports" / "2023").mkdir(parents=True)
    (media / "reports" / "2023" / "甲一村.pdf").write_bytes(b"%PDF-1.7 test")
    settings.MEDIA_ROOT = media
    out = tmp_path / "b.pbbak"
    call_command("backup", out=str(out))
    assert out.exists() and b"branches_organization" not in out.read_bytes()  # encrypted at rest

    with connection.cursor() as cur:
        before = _fingerprint(cur.cursor)
    s = connection.settings_dict
    fresh = f"pb_restore_{uuid.uuid4().hex[:8]}"
    admin = {
        "host": s["HOST"] or "127.0.0.1",
        "port": s["PORT"] or 5432,
        "user": s["USER"],
        "dbname": "postgres",
    }
    if s.get("PASSWORD"):
        admin["password"] = s["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{fresh}"')
    try:
        url = f"postgres://{s['USER']}@{admin['host']}:{admin['port']}/{fresh}"
        if s.get("PASSWORD"):
            url = url.replace(f"{s['USER']}@", f"{s['USER']}:{s['PASSWORD']}@")
        call_command("restore", str(out), database_url=url, media_root=str(tmp_path / "restored"))
        with psycopg.connect(**{**admin, "dbname": fresh}) as c, c.cursor() as cur:
            after = _fingerprint(cur)
        assert after == before and after["branches_organization"][0] == 8
        assert (tmp_path / "restored" / "reports" / "2023" / "甲一村.pdf").read_bytes() == b"%PDF-1.7 test"
        # a second restore into the same (no longer empty) database is refused
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="不是空库"):
            call_command("restore", str(out), database_url=url, media_root=str(tmp_path / "again"))
    finally:
        with psycopg.connect(**admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
