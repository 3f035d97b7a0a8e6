"""List members whose stored resident ID fails GB 11643-1999 (check character, birth date).

A database filled while the check was wrong (python-stdnum 2.2 took 18 characters where 17 were
passed) may hold IDs with a wrong check character. This decrypts each stored ID once, checks it
with the one implementation in ``members.resident_id`` and prints the ones that fail, with their
organization, so the unit can correct them. Nothing is changed; the exit code is 1 when any fail.
Only the masked number is printed.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from members import resident_id
from members.models import Member


class Command(BaseCommand):
    help = "列出存储的公民身份号码不符合 GB 11643-1999 的党员（只读，输出打码号码）。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="也检查已离开花名册的人员")

    def handle(self, *args, all=False, **opts):
        qs = Member.objects.all() if all else Member.objects.current()
        bad = 0
        checked = 0
        rows = qs.select_related("organization").only(
            "id", "name", "resident_id", "organization__name", "organization__code"
        )
        for m in rows.iterator(chunk_size=2000):
            checked += 1
            try:
                resident_id.parse(m.resident_id)
            except ValidationError as e:
                bad += 1
                self.stdout.write(
                    f"{m.pk}\t{m.organization.code}\t{m.organization.name}\t{m.name}\t"
                    f"{resident_id.mask(m.resident_id)}\t{'；'.join(e.messages)}"
                )
        self.stdout.write(f"共检查 {checked} 人，{bad} 人的公民身份号码不符合 GB 11643-1999。")
        if bad:
            raise CommandError(f"{bad} 个公民身份号码需要核对更正。", returncode=1)
