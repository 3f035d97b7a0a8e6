import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from branches.models import Level, Organization, Role
from members.models import Member


def _demo(*args):
    call_command("demo_city", *args, stdout=io.StringIO())


def _build_and_capture():
    """Build the demo city inside a savepoint, read what we compare, roll it back."""
    with transaction.atomic():
        _demo("--members", "600")
        units = Organization.objects.filter(level=Level.UNIT).values_list("domain").annotate(n=Count("id"))
        snapshot = {
            "townships": Organization.objects.filter(level=Level.TOWNSHIP).count(),
            "units": dict(units.order_by()),
            # The roster as built; people admitted through 发展党员 or transferred in from outside come on top.
            "members": Member.objects.filter(development__isnull=True).exclude(transfers__kind="in").count(),
            "problems": Organization.objects.find_problems(),
            "usernames": set(Role.objects.values_list("user__username", flat=True)),
            "orgs": list(Organization.objects.order_by("path").values_list("code", "name")[:80]),
            "names": list(Member.objects.order_by("id").values_list("name", flat=True)[:80]),
        }
        transaction.set_rollback(True)
    return snapshot


@pytest.mark.django_db
def test_demo_city_builds_the_promised_city_deterministically(settings):
    settings.DEBUG = True
    first = _build_and_capture()
    assert first["townships"] == 8
    units = first["units"]
    assert units["village"] + units["community"] >= 120
    assert units["organ"] + units["institution"] + units["enterprise"] >= 40
    assert units["two_new"] >= 30
    assert first["members"] == 600
    assert first["problems"] == ([], [], [], [], [])
    assert first["usernames"] == {"shi", "zhen", "cun", "cun2", "ducha"}
    second = _build_and_capture()  # same seed, same city
    assert second["orgs"] == first["orgs"]
    assert second["names"] == first["names"]


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
