"""Build the demo city (示范市) deterministically.

    python manage.py demo_city [--seed 2023] [--today 2026-12-01] [--orgs 5000 --members 150000]
                               [--if-empty] [--force]

The city lives on ``--today`` (default: today in Asia/Shanghai): the three-year pilot runs from
last year to next year, the months so far have their checklists, the quarters ended so far their
scores. Each app contributes its part through ``<app>/demo.py``'s ``build(ctx)``, in dependency order.
"""

import random
import time
from datetime import date
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone, translation

from branches.demo import DEMO_PASSWORD, build_tree
from branches.models import Organization
from branches.registry import APPS
from config.dbstats import analyze_after_bulk_load


class Command(BaseCommand):
    help = "构建演示城市（示范市）：组织体系、党员、任务、督查与得分等演示数据。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2023, help="随机种子（相同种子生成相同数据）")
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="演示城市所在的日期 YYYY-MM-DD（默认今天，测试用固定日期）",
        )
        parser.add_argument("--orgs", type=int, default=None, help="组织数量（基准测试规模，如 5000）")
        parser.add_argument("--members", type=int, default=6000, help="党员数量")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有组织时什么也不做")
        parser.add_argument("--force", action="store_true", help="DEBUG 关闭（生产环境）时也执行")

    def handle(self, *args, **opts):
        # The city is written in the portal's language, whatever language the caller left active
        # (labels stored in notes and audit rows are data: a test run had stored English ones).
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(*args, **opts)

    def _handle(self, *args, seed, today, orgs, members, if_empty, force, **opts):
        if not settings.DEBUG and not force:
            raise CommandError("当前为生产配置（DEBUG=False），演示数据不会写入。确需写入请加 --force。")
        if Organization.objects.exists():
            if if_empty:
                self.stdout.write("数据库已有数据，跳过演示城市。")
                return
            raise CommandError(
                "数据库已有组织数据。演示城市只能在空数据库上构建（可删除 db.sqlite3 后重试）。"
            )
        started = time.perf_counter()
        rng = random.Random(seed)
        if connection.vendor == "sqlite":
            # The build writes millions of index entries in one transaction: with SQLite's default
            # 2 MB page cache the B-trees spill on every insert (a 128 MB cache halves the CPU of
            # the bulk inserts; this connection only, it ends with the command).
            with connection.cursor() as cur:
                cur.execute("PRAGMA cache_size = -131072")
        with transaction.atomic():
            ctx = build_tree(
                rng=rng, orgs_target=orgs, log=self.stdout.write, today=today or timezone.localdate()
            )
            ctx.seed = seed
            ctx.members_target = members
            for app in APPS:
                try:
                    mod = import_module(f"{app}.demo")
                except ModuleNotFoundError as e:
                    if e.name != f"{app}.demo":
                        raise
                    continue
                t, cpu = time.perf_counter(), time.process_time()
                mod.build(ctx)
                # CPU time beside the wall time: on a shared machine the wall time is mostly waiting.
                self.stdout.write(
                    f"  {app}: {time.perf_counter() - t:.1f} 秒（CPU {time.process_time() - cpu:.1f} 秒）"
                )
        t = time.perf_counter()
        if analyze_after_bulk_load():  # after the commit: every table's planner statistics
            self.stdout.write(f"  ANALYZE: {time.perf_counter() - t:.1f} 秒")
        self.stdout.write(
            self.style.SUCCESS(
                f"演示城市（{ctx.today:%Y-%m-%d}）已建成，用时 {time.perf_counter() - started:.1f} 秒。"
            )
        )
        self.stdout.write(
            f"演示账号（密码均为 {DEMO_PASSWORD}）：shi 市委组织部 · zhen 乡镇党委书记 · cun 村党组织书记 · cun2 另一乡镇的村书记 · ducha 督查组成员"
        )


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today 须为 YYYY-MM-DD 格式的日期，收到“{value}”。") from None
