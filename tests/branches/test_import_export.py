import tablib

from branches.models import Level, Organization
from branches.resources import OrganizationResource

HEADERS = [
    "组织代码",
    "组织名称",
    "上级组织代码",
    "层级",
    "领域",
    "组织形式",
    "支部类型代码",
    "书记",
    "上次换届日期",
    "任期（年）",
    "状态",
]


def _dataset(rows):
    return tablib.Dataset(*rows, headers=HEADERS)


def test_import_creates_nodes_under_their_parents_by_code(small_city):
    ds = _dataset([
        ["TB02", "乙二村党支部", "TB", "unit", "village", "branch", "", "王堃", "2024-03-01", "5", "active"],
        ["TB0201", "乙二村第一党支部", "TB02", "branch", "village", "branch", "", "", "", "5", "active"],
    ])  # fmt: skip
    result = OrganizationResource().import_data(ds, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    b2 = Organization.objects.get(code="TB02")
    leaf = Organization.objects.get(code="TB0201")
    assert Organization.objects.get_parent(b2) == small_city.town_b
    assert Organization.objects.get_parent(leaf) == b2
    assert leaf.township_id == small_city.town_b.pk and b2.secretary_name == "王堃"
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_import_with_unknown_parent_imports_nothing(small_city):
    before = Organization.objects.count()
    ds = _dataset([
        ["TB03", "乙三村党支部", "TB", "unit", "village", "branch", "", "", "", "5", "active"],
        ["TB04", "乙四村党支部", "NOPE", "unit", "village", "branch", "", "", "", "5", "active"],
    ])  # fmt: skip
    result = OrganizationResource().import_data(ds, dry_run=False, use_transactions=True)
    assert result.has_errors() or result.has_validation_errors()
    assert Organization.objects.count() == before


def test_changed_parent_code_moves_the_subtree(small_city):
    ds = _dataset(
        [["TA01", "甲一村党总支", "TB", "unit", "village", "general_branch", "", "", "", "5", "active"]]
    )
    result = OrganizationResource().import_data(ds, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    a1 = Organization.objects.get(code="TA01")
    assert a1.path.startswith(small_city.town_b.path)
    assert Organization.objects.get(code="TA0101").township_id == small_city.town_b.pk


def test_export_round_trips_codes_and_parent_codes(small_city):
    data = OrganizationResource().export()
    rows = {r["组织代码"]: r["上级组织代码"] for r in data.dict}
    assert rows["TA0101"] == "TA01" and rows["C"] == "" and rows["TB01"] == "TB"
    assert Organization.objects.get(code="TA0101").level == Level.BRANCH
