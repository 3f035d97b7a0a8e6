"""Files that failed before errors were stored in Chinese showed the raw exception to users:
replace those with the Chinese reason (the technical detail was in the worker's log)."""

from django.db import migrations

RENDER_FAILED = "报告生成出错，请点击“继续”重试；仍失败请联系系统管理员查看日志。"
KNOWN = [RENDER_FAILED, "PDF 文件丢失，请点击“继续”重新生成。"]


def forwards(apps, schema_editor):
    ReportFile = apps.get_model("reports", "ReportFile")
    ReportFile.objects.filter(status="failed").exclude(error__in=KNOWN).update(error=RENDER_FAILED)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_batch_zipping_one_active")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
