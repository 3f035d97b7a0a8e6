"""No existence oracle (issue 14): a secretary cannot learn where — or, past a limit, whether —
a resident ID is registered elsewhere in the city. Refusals are audited (on the member's history),
previews are audited, and a user past the hour's limit is stopped; the count comes from the
audit rows, so it holds with the cache down."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from branches.models import AuditEvent
from members import services
from members.importing import ImportFileError
from tests.members.helpers import add_member, rid, row, xlsx

GENERIC = "该公民身份号码无法添加。如需核实，请联系市委组织部。"


def _preview(user, rows):
    data = xlsx(rows).getvalue()
    return services.roster_import_preview(actor=user, upload=SimpleUploadedFile("花名册.xlsx", data))


def test_import_says_only_cannot_be_added_and_whom_to_ask(small_city):
    elsewhere = add_member(small_city.b1, 1)  # 乙镇's village: outside 甲一村's secretary's scope
    cun = small_city.users["cun"]
    plan, token = _preview(cun, [row(1, small_city.a1.code), row(2, small_city.a1.code)])
    assert token is None
    [err] = plan.errors
    assert (err.row, err.column, err.reason) == (2, "公民身份号码", GENERIC)
    text = str(err)
    for leak in (
        small_city.b1.name,
        small_city.b1.code,
        small_city.town_b.name,
        "其他党组织",
        "正常",
        "流动",
    ):
        assert leak not in text
    refusal = AuditEvent.objects.get(action=services.DUPLICATE_ID_REFUSED)
    assert refusal.actor == cun and refusal.object_id == str(elsewhere.pk)
    assert refusal.organization == small_city.b1  # the member's organization sees who asked
    preview = AuditEvent.objects.get(action=services.IMPORT_PREVIEWED)
    assert preview.actor == cun and preview.changes["无法添加的号码"] == 1 and preview.changes["行数"] == 2


def test_every_preview_is_audited_even_a_clean_one(small_city):
    _preview(small_city.users["cun"], [row(1, small_city.a1.code)])
    assert AuditEvent.objects.filter(action=services.IMPORT_PREVIEWED).count() == 1
    assert not AuditEvent.objects.filter(action=services.DUPLICATE_ID_REFUSED).exists()


@pytest.mark.parametrize("cache_down", [False, True], ids=["cache", "cache-down"])
def test_past_the_hours_limit_imports_are_refused_without_row_detail(small_city, settings, cache_down):
    if cache_down:  # nothing on this path may depend on the cache
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    settings.MEMBERS_DUPLICATE_ID_LIMIT_PER_HOUR = 3
    for n in range(1, 7):
        add_member(small_city.b1, n)
    cun, code = small_city.users["cun"], small_city.a1.code
    plan, _t = _preview(cun, [row(1, code), row(2, code)])
    assert [e.reason for e in plan.errors] == [GENERIC, GENERIC]  # 2 of 3: still shown row by row
    plan, _t = _preview(cun, [row(1, code), row(3, code), row(4, code), row(9, code)])
    # 1 again + 3 and 4: four distinct in the hour, past three: one refusal, no rows, no counts.
    assert [(e.row, e.reason) for e in plan.errors] == [(1, services.duplicate_ids_blocked_message())]
    assert "市委组织部" in plan.errors[0].reason and plan.changes == []
    with pytest.raises(ImportFileError, match="暂停一小时"):  # even an honest file, before reading
        _preview(cun, [row(20, code)])
    # Another secretary is not affected; an hour later this one may import again.
    plan, token = _preview(small_city.users["zhen"], [row(21, code)])
    assert plan.ok and token
    AuditEvent.objects.filter(action=services.DUPLICATE_ID_REFUSED).update(
        at=timezone.now() - timedelta(minutes=61)
    )
    plan, token = _preview(cun, [row(20, code)])
    assert plan.ok and token


def test_the_member_form_gives_the_same_answer_and_is_limited_too(small_city, settings):
    settings.MEMBERS_DUPLICATE_ID_LIMIT_PER_HOUR = 2
    elsewhere = add_member(small_city.b1, 1)
    add_member(small_city.b1, 2)
    mine = add_member(small_city.a1_branch, 3)
    cun = small_city.users["cun"]
    fields = dict(name="张三", gender="M", joined_on=date(2005, 7, 1), organization=small_city.a1, phone="")
    with pytest.raises(ValidationError) as e:
        services.member_create(actor=cun, resident_id=rid(1), **fields)
    assert e.value.message_dict == {"resident_id": [GENERIC]}
    refusal = AuditEvent.objects.get(action=services.DUPLICATE_ID_REFUSED)  # kept despite the rollback
    assert refusal.object_id == str(elsewhere.pk) and refusal.actor == cun
    # A duplicate inside the secretary's own scope may be named: they can see it anyway.
    with pytest.raises(ValidationError) as e:
        services.member_create(actor=cun, resident_id=rid(3), **fields)
    assert "您管理范围内" in e.value.message_dict["resident_id"][0]
    with pytest.raises(ValidationError):
        services.member_create(actor=cun, resident_id=rid(2), **fields)  # the second refusal: the limit
    with pytest.raises(ValidationError) as e:  # now even a new number waits for the hour
        services.member_create(actor=cun, resident_id=rid(30), **fields)
    assert "暂停一小时" in e.value.message_dict["resident_id"][0]
    # Editing a member without touching the ID is not blocked.
    services.member_update(actor=cun, member=mine, phone="13800000000")


def test_the_import_page_shows_no_location(small_city, client):
    add_member(small_city.b1, 1)
    client.force_login(small_city.users["cun"])
    up = xlsx([row(1, small_city.a1.code)])
    up.name = "花名册.xlsx"
    html = client.post(reverse("members:import"), {"file": up}).content.decode()
    assert "无法添加" in html and "市委组织部" in html
    assert small_city.b1.name not in html and small_city.b1.code not in html
