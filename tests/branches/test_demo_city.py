import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from branches.models import AuditEvent, Level, Organization, Role
from members.models import Member


def _demo(*args):
    call_command("demo_city", *args, stdout=io.StringIO())


def _wipe(model):
    if model is Organization:
        Organization.objects.update(township=None, merged_into=None)
    model.objects.all().delete()


@pytest.mark.django_db
def test_demo_city_builds_the_promised_city_deterministically(settings):
    settings.DEBUG = True
    _demo("--members", "600")
    assert Organization.objects.filter(level=Level.TOWNSHIP).count() == 8
    units = Organization.objects.filter(level=Level.UNIT)
    assert units.filter(domain__in=["village", "community"]).count() >= 120
    assert units.filter(domain__in=["organ", "institution", "enterprise"]).count() >= 40
    assert units.filter(domain="two_new").count() >= 30
    assert Member.objects.count() == 600
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert set(Role.objects.values_list("user__username", flat=True)) == {
        "shi",
        "zhen",
        "cun",
        "cun2",
        "ducha",
    }
    first = list(Organization.objects.order_by("path").values_list("code", "name")[:50])
    names = list(Member.objects.order_by("id").values_list("name", flat=True)[:50])
    # Same seed, same city: build again in a transaction we roll back.
    with transaction.atomic():
        for model in (Member, Role, AuditEvent, Organization, get_user_model()):
            _wipe(model)
        _demo("--members", "600")
        again = list(Organization.objects.order_by("path").values_list("code", "name")[:50])
        again_names = list(Member.objects.order_by("id").values_list("name", flat=True)[:50])
        transaction.set_rollback(True)
    assert again == first
    assert again_names == names


@pytest.mark.django_db
def test_demo_city_refuses_in_production_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        _demo()


@pytest.mark.django_db
def test_demo_city_refuses_a_database_with_data(settings, small_city):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        _demo()
    _demo("--if-empty")  # a no-op
    assert Organization.objects.count() == 8
