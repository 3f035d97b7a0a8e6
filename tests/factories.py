"""factory_boy factories. Organizations are created through the service, as a user would."""

import factory
from django.contrib.auth import get_user_model

from branches.models import Level, OrgForm
from branches.services import organization_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("demo-pass-2023")


_seq = iter(range(1, 10**9))


def make_org(parent=None, *, name=None, level=Level.UNIT, code=None, **fields):
    n = next(_seq)
    fields.setdefault(
        "org_form", OrgForm.BRANCH if level in (Level.UNIT, Level.BRANCH) else OrgForm.COMMITTEE
    )
    return organization_create(
        actor=None,
        parent=parent,
        code=code or f"T{n:05d}",
        name=name or f"测试组织{n}",
        level=level,
        **fields,
    )
