"""The admin shows the issue 11 records to the department, read-only (one write path: their
services), with personal data masked as on the pages."""

from datetime import date

import pytest
from django.urls import reverse

from branches.policy import SYSTEM
from members import dues_services, records
from members.models_life import FamilyRecord
from tests.factories import UserFactory
from tests.members.helpers import add_member, rid

MODELS = ["positionrecord", "rewardrecord", "familyrecord", "trainingrecord", "triprecord", "development",
          "transfer", "floatingrecord", "duesrule", "duesprofile", "duesimport", "duespayment", "membercard",
          "checkin"]  # fmt: skip


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_issue11_records_are_listed_in_the_admin_and_cannot_be_added(small_city, root, model):
    assert root.get(reverse(f"admin:members_{model}_changelist")).status_code == 200
    assert root.get(reverse(f"admin:members_{model}_add")).status_code == 403


def test_family_record_in_the_admin_is_masked_and_read_only(small_city, root):
    m = add_member(small_city.a1_branch, 1)
    f = records.record_save(actor=SYSTEM, member=m, kind="family",
                            values=dict(relation="spouse", name="王小明", political_status="masses",
                                        work_unit="郑州市第一中学教师"))  # fmt: skip
    html = root.get(reverse("admin:members_familyrecord_changelist")).content.decode()
    assert "王**" in html and "王小明" not in html and "郑州" + "*" * 7 in html
    page = root.get(reverse("admin:members_familyrecord_change", args=[f.pk]))
    assert page.status_code == 200 and "王小明" not in page.content.decode()
    resp = root.post(reverse("admin:members_familyrecord_change", args=[f.pk]), {"relation": "son"})
    assert resp.status_code == 403 and FamilyRecord.objects.get().relation == "spouse"
    assert (
        root.post(reverse("admin:members_familyrecord_delete", args=[f.pk]), {"post": "yes"}).status_code
        == 403
    )


def test_dues_payment_in_the_admin_is_read_only(small_city, root):
    m = add_member(small_city.a1_branch, 1)
    p = dues_services.dues_payment_record(actor=SYSTEM, member=m, month=date(2024, 5, 1), amount="15",
                                          paid_on=date(2024, 5, 9))  # fmt: skip
    html = root.get(reverse("admin:members_duespayment_change", args=[p.pk])).content.decode()
    assert "15.00" in html and rid(1) not in html
    resp = root.post(reverse("admin:members_duespayment_change", args=[p.pk]), {"amount": "1"})
    assert resp.status_code == 403
