"""python manage.py rotate_keys: re-encrypt resident IDs with the newest key, recompute the index.

Key rotation: put the new Fernet key FIRST in ``FIELD_ENCRYPTION_KEYS`` (keep the old ones after
it, so existing rows still decrypt), deploy, run this command, then drop the old keys. A new
``BLIND_INDEX_KEY`` needs no old key: the index is recomputed here from the decrypted value.
Works in batches, one transaction each; safe to re-run.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from members.crypto import blind_index, fernet
from members.models import Member


class Command(BaseCommand):
    help = "用最新密钥重新加密公民身份号码，并重算盲索引。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch, **opts):
        fernet()  # fails early on a malformed key list
        last, done = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    Member.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "resident_id")[:batch]
                )
                if not rows:
                    break
                # values_list decrypts through the field; re-encrypt with the newest key.
                objs = [Member(pk=pk, resident_id=c, resident_id_hash=blind_index(c)) for pk, c in rows]
                Member.objects.bulk_update(objs, ["resident_id", "resident_id_hash"], batch_size=500)
                last = rows[-1][0]
                done += len(rows)
        self.stdout.write(f"已用最新密钥重新加密 {done} 条党员记录并重算盲索引。")
