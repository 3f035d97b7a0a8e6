"""``manage.py backup``: the database (pg_dump custom format) and the media files in one file,
encrypted with BACKUP_KEY (config/backup.py). ``make backup`` runs it."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


class Command(BaseCommand):
    help = "加密备份：数据库（pg_dump）与附件（media），密钥 BACKUP_KEY。"

    def add_arguments(self, parser):
        parser.add_argument("--out", help="备份文件路径（默认 BACKUP_DIR/partybuild-时间.pbbak）")

    def handle(self, *args, out=None, **opts):
        from config import backup

        try:
            key = backup.load_key(settings.BACKUP_KEY or "")
            path = (
                Path(out)
                if out
                else Path(settings.BACKUP_DIR) / f"partybuild-{timezone.now():%Y%m%d-%H%M%S}.pbbak"
            )
            info = backup.backup(db=connection.settings_dict, media_root=Path(settings.MEDIA_ROOT), out_path=path,
                                 key=key)  # fmt: skip
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(json.dumps(info, ensure_ascii=False))
