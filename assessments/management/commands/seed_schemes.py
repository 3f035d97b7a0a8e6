from django.core.management.base import BaseCommand

from assessments.defaults import seed_default_schemes


class Command(BaseCommand):
    help = "为指定年度创建并发布默认的考核指标体系（已有则跳过）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, year, **opts):
        for s in seed_default_schemes(year):
            self.stdout.write(f"{s}（{s.get_status_display()}）")
