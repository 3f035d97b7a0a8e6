"""System checks: the reports need a CJK font and HarfBuzz's subsetter to print fast and right."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess

from django.core.checks import Warning, register

FONT_FILES = ("fonts/PBNotoSansSC-Regular.otf", "fonts/PBNotoSansSC-Bold.otf")


def shipped_fonts_present() -> bool:
    from django.contrib.staticfiles import finders

    return all(finders.find(f) for f in FONT_FILES)


def system_cjk_font_present() -> bool:
    if not shutil.which("fc-list"):
        return False
    try:
        out = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.stdout.strip())


def harfbuzz_subset_present() -> bool:
    if ctypes.util.find_library("harfbuzz-subset"):
        return True
    try:
        ctypes.CDLL("libharfbuzz-subset.so.0")
    except OSError:
        return False
    return True


@register()
def report_fonts_check(app_configs, **kwargs):
    messages = []
    if not shipped_fonts_present() and not system_cjk_font_present():
        messages.append(
            Warning(
                "没有可用的中文字体：年度考核报告 PDF 中的汉字将无法显示。",
                hint=f"运行 `python manage.py build_report_font` 生成 {', '.join(FONT_FILES)}，"
                "或安装 Debian 软件包 fonts-noto-cjk。",
                id="reports.W001",
            )
        )
    if not harfbuzz_subset_present():
        messages.append(
            Warning(
                "缺少 libharfbuzz-subset.so.0：WeasyPrint 将改用 fontTools 子集化字体，生成 PDF 慢数倍。",
                hint="安装 Debian 软件包 libharfbuzz-subset0（apt-get install libharfbuzz-subset0）。",
                id="reports.W002",
            )
        )
    return messages
