"""python manage.py compute_scores --period 2023Q3 [--kind supervision] [--chunk-size 500]

Runs the same job the Celery task runs, in this process, printing progress and a summary.
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Avg, Count, Q

from assessments import scoring
from assessments.models import ScoreResult
from assessments.services import kinds_for_period, run_start


class Command(BaseCommand):
    help = "计算一个考核期的得分（季度 2023Q3、半年 2023H1 或年度 2023），生成待审核的草稿。"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True)
        parser.add_argument("--kind", default=None, help="fortress / supervision / half_year / annual")
        parser.add_argument("--chunk-size", type=int, default=None)

    def handle(self, *args, period, kind, chunk_size, **opts):
        try:
            kinds = [kind] if kind else kinds_for_period(period)
        except scoring.PeriodError as e:
            raise CommandError(str(e)) from None
        for k in kinds:
            t0 = time.perf_counter()
            try:
                run = run_start(actor=None, period=period, kind=k, enqueue=False, chunk_size=chunk_size)
            except ValidationError as e:
                raise CommandError("；".join(e.messages)) from None

            def progress(done, total, k=k):
                self.stdout.write(f"  {k} {period}: {done}/{total} 批")

            run = scoring.run_compute(run.pk, progress=progress)
            s = ScoreResult.objects.filter(run=run).aggregate(
                n=Count("id"), avg=Avg("total"), lagging=Count("id", filter=Q(lagging=True)),
                vetoed=Count("id", filter=Q(vetoed=True)),
            )  # fmt: skip
            grades = dict(
                ScoreResult.objects.filter(run=run)
                .values_list("grade_label")
                .annotate(n=Count("id"))
                .order_by()
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"{run} 完成：{s['n']} 个对象，平均 {s['avg'] or 0:.2f} 分，后进 {s['lagging']}，"
                    f"一票否决 {s['vetoed']}，用时 {time.perf_counter() - t0:.2f} 秒；状态：{run.get_status_display()}"
                )
            )
            self.stdout.write("  等次分布：" + "，".join(f"{g} {n}" for g, n in grades.items()))
