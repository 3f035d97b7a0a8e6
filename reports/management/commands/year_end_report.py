from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.models import Level, Organization
from reports import selectors, services


class Command(BaseCommand):
    help = "生成年度考核报告 PDF：指定 --org 为单位报告（乡镇为汇总报告），不指定为全市汇总报告。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="考核年度，如 2023")
        parser.add_argument("--org", help="组织代码（不填为全市汇总）")
        parser.add_argument("-o", "--output", required=True, help="输出 PDF 文件路径")

    def handle(self, *args, year, org=None, output, **options):
        if org:
            try:
                o = Organization.objects.select_related("township").get(code=org)
            except Organization.DoesNotExist:
                raise CommandError(f"组织代码“{org}”不存在。") from None
        else:
            o = selectors.city_root()
            if o is None:
                raise CommandError("还没有任何党组织，请先导入或运行 demo_city。")
        if o.level == Level.UNIT:
            data = services.unit_report_pdf(user=services.SystemUser(), org=o, year=year)
        elif o.level in (Level.CITY, Level.COUNTY, Level.TOWNSHIP):
            data = services.summary_pdf(user=services.SystemUser(), org=o, year=year)
        else:
            raise CommandError(
                f"“{o.name}”是{o.get_level_display()}，只有基层党组织有单位报告、市和乡镇有汇总报告。"
            )
        Path(output).write_bytes(data)
        self.stdout.write(f"{output}：{o.name} {year} 年，{len(data) / 1024:.0f} KB")
