"""The admin (后台) in the access matrix: the department's staff account opens the main models'
lists and records; every other role, a township secretary included, is sent to the admin's login
page and sees nothing of it. (Admin saves, moves and imports are tested for their invariants and
audit rows in tests/branches/test_admin.py and the apps' test_admin files.)"""

from tests.access import ROLES, Case, allow

# Not staff: Django's admin answers with its login page, whatever role the person has elsewhere.
NOT_STAFF = {r: 302 for r in ROLES if r != "shi"}


def build(city):
    from django.contrib.auth.models import Group, Permission

    dept = Group.objects.create(name="组织部")
    dept.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["branches", "members", "pilot", "assessments"])
    )
    shi = city.users["shi"]
    shi.is_staff = True
    shi.save(update_fields=["is_staff"])
    shi.groups.add(dept)


def _obj(get):
    return lambda c: {"object_id": get(c).pk}


def _role(c):
    from branches.models import Role

    return Role.objects.get(user=c.users["zhen"])


def _run(c):
    return c["run"]


MODELS = [
    ("branches_organization", lambda c: c.a1),
    ("branches_role", _role),
    ("branches_auditevent", None),
    ("members_member", lambda c: c["m_a1"]),
    ("members_development", lambda c: c["dev_a1"]),
    ("members_transfer", lambda c: c["tr_a1_b1"]),
    ("members_duespayment", None),
    ("pilot_checklistitem", lambda c: c["a1_item"]),
    ("pilot_task", None),
    ("assessments_scorerun", _run),
    ("assessments_assessorentry", None),
    ("assessments_scheme", None),
]

CASES = [Case("admin:index", allowed=allow("shi"), status=NOT_STAFF)]
for model, get in MODELS:
    CASES.append(Case(f"admin:{model}_changelist", allowed=allow("shi"), status=NOT_STAFF))
    if get:
        CASES.append(Case(f"admin:{model}_change", _obj(get), allow("shi"), status=NOT_STAFF))
