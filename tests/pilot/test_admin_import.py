import tablib

from pilot.models import Task
from pilot.resources import TaskResource

from .helpers import make_plan


def _dataset(rows):
    headers = [
        "年度",
        "任务编号",
        "任务名称",
        "任务要求",
        "要素",
        "功能",
        "频次",
        "完成期限",
        "每期截止日",
        "适用领域",
        "适用层级",
    ]
    return tablib.Dataset(*rows, headers=headers)


def test_task_import_creates_domain_tasks_and_is_all_or_nothing(small_city):
    make_plan(2023)
    ok = _dataset(
        [[2023, "C01", "社区网格员培训", "", "team", "service", "monthly", "", 20, "community、village", ""]]
    )
    result = TaskResource().import_data(ok, dry_run=False, raise_errors=False)
    assert not result.has_errors() and not result.has_validation_errors()
    t = Task.objects.get(code="C01")
    assert t.domains == ["community", "village"] and not t.is_common and t.due_day == 20
    bad = _dataset([
        [2023, "C02", "好任务", "", "team", "service", "monthly", "", 20, "", ""],
        [2023, "C03", "一次性任务缺期限", "", "team", "service", "once", "", 20, "", ""],
    ])  # fmt: skip
    # The admin previews (dry run) first and refuses to confirm while any row is invalid.
    result = TaskResource().import_data(bad, dry_run=True, raise_errors=False, use_transactions=True)
    assert result.has_validation_errors()
    assert "一次性任务须填写完成期限" in str(result.invalid_rows[0].error_dict)
    assert not Task.objects.filter(code__in=["C02", "C03"]).exists()
