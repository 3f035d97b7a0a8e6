from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from reports.fontbuild import build


class Command(BaseCommand):
    help = "生成报告使用的中文字体子集（GBK 全字符集，思源黑体 SC）到 static/fonts/。"

    def handle(self, *args, **options):
        out = Path(settings.BASE_DIR) / "static" / "fonts"
        out.mkdir(parents=True, exist_ok=True)
        for path in build(out):
            self.stdout.write(f"{path} {path.stat().st_size / 1e6:.1f} MB")
