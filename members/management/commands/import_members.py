"""python manage.py import_members FILE [--dry-run]: the department's bulk roster load.

Prints every error as ``第N行 列名: 原因`` and exits non-zero without importing anything when a
row is bad; otherwise imports all rows in one transaction and prints the counts.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.policy import SYSTEM
from members import importing


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 导入党员花名册（任何一行有错误则全部不导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="花名册文件（.xlsx 或 .csv）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入")

    def handle(self, *args, file, dry_run, **opts):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在：{file}")
        try:
            with open(path, "rb") as fh:
                plan = importing.build_plan(fh, path.name, user=SYSTEM)
                if plan.ok and not dry_run:
                    counts = importing.apply_plan(plan, actor=SYSTEM)
        except importing.ImportFileError as e:
            raise CommandError(str(e)) from None
        if not plan.ok:
            for e in plan.errors:
                self.stderr.write(str(e))
            raise CommandError(f"共 {len(plan.errors)} 处错误，未导入任何数据。")
        c = plan.counts if dry_run else counts
        verb = "预览（未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{verb}：新增 {c['new']} 人，更新 {c['updated']} 人，未变化 {c['unchanged']} 人。")
