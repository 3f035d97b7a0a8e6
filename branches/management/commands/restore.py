"""``manage.py restore FILE``: an encrypted backup into a fresh (empty) database and the media
directory. ``make restore BACKUP=… DATABASE_URL=…`` runs it; the database must exist and be
empty (createdb first), so a restore never overwrites live data."""

import json
from pathlib import Path

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "从加密备份恢复到一个新建的空数据库，并恢复附件（media）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（.pbbak）")
        parser.add_argument("--database-url", help="恢复到这个数据库（默认 DATABASE_URL）")
        parser.add_argument("--media-root", help="附件恢复到这个目录（默认 MEDIA_ROOT）")

    def handle(self, *args, file, database_url=None, media_root=None, **opts):
        from config import backup

        db = environ.Env.db_url_config(database_url) if database_url else connection.settings_dict
        try:
            key = backup.load_key(settings.BACKUP_KEY or "")
            info = backup.restore(in_path=Path(file), db=db, media_root=Path(media_root or settings.MEDIA_ROOT),
                                  key=key)  # fmt: skip
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(json.dumps(info, ensure_ascii=False))
