"""python manage.py monthly_checklist [--month 2023-07] [--year 2023]"""

import time

from django.core.management.base import BaseCommand, CommandError

from pilot.services import checklist_generate, next_month, parse_month


class Command(BaseCommand):
    help = "生成一月一清单（可重复执行，不会重复生成）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="月份，如 2023-07；默认本月")
        parser.add_argument("--year", type=int, help="生成整年 12 个月的清单")

    def handle(self, *args, month=None, year=None, **opts):
        try:
            months = [parse_month(f"{year}-01")] if year else [parse_month(month)]
        except (ValueError, TypeError):
            raise CommandError("月份格式应为 YYYY-MM，如 2023-07。") from None
        if year:
            while len(months) < 12:
                months.append(next_month(months[-1]))
        for m in months:
            t = time.perf_counter()
            n = checklist_generate(period=m)
            self.stdout.write(f"{m:%Y-%m}：新生成 {n} 项（{time.perf_counter() - t:.1f} 秒）")
