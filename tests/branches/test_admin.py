"""The admin is a user too: its saves, moves, deletes and imports go through the services —
audited, with the tree's invariants."""

import tablib
from django.urls import reverse

from branches.audit import audit_for
from branches.models import AuditAction, AuditEvent, Organization, Role, RoleKind
from branches.resources import OrganizationResource
from tests.factories import UserFactory


def _root(client):
    su = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(su)
    return su


def _form_data(client, org: Organization, **over) -> dict:
    """What the change form would post back unchanged, with ``over`` typed in."""
    resp = client.get(reverse("admin:branches_organization_change", args=[org.pk]))
    assert resp.status_code == 200
    form = resp.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if name == "linked_villages":
            data[name] = [v.pk if hasattr(v, "pk") else v for v in value]
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif hasattr(value, "isoformat"):
            data[name] = value.isoformat()
        else:
            data[name] = value
    data.update(over)
    return data


def _township_count(town) -> int:
    """The by-township figure: organizations counted under a township (as rankings and dashboards do)."""
    return Organization.objects.filter(township=town).count()


def test_an_organization_moved_to_another_township_in_the_admin_counts_there_and_is_audited(
    small_city, client
):
    c = small_city
    su = _root(client)
    # 甲一村党总支 with its two branches: 3 organizations leave 甲镇 (TA, TA01 ×3, TA02 → 5 → 2)
    # and join 乙镇 (TB, TB01 → 2 → 5).
    assert (_township_count(c.town_a), _township_count(c.town_b)) == (5, 2)
    resp = client.post(
        reverse("admin:branches_organization_change", args=[c.a1.pk]),
        _form_data(client, c.a1, parent_code=c.town_b.code, secretary_name="李书记"),
    )
    assert resp.status_code == 302, resp.context["adminform"].form.errors if resp.context else resp
    a1 = Organization.objects.get(pk=c.a1.pk)
    assert a1.path.startswith(c.town_b.path) and a1.township_id == c.town_b.pk
    assert (_township_count(c.town_a), _township_count(c.town_b)) == (2, 5)
    assert set(
        Organization.objects.filter(path__startswith=a1.path).values_list("township_id", flat=True)
    ) == {c.town_b.pk}
    move = audit_for(a1).get(action=AuditAction.ORG_MOVE)
    assert move.actor == su
    assert move.changes["parent"] == ["甲镇党委", "乙镇党委"]
    assert move.changes["township"] == ["甲镇党委", "乙镇党委"]
    update = audit_for(a1).get(action=AuditAction.ORG_UPDATE)
    assert update.changes == {"secretary_name": ["", "李书记"]}
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_dragging_an_organization_in_the_admin_tree_moves_it_through_the_service(small_city, client):
    c = small_city
    su = _root(client)
    resp = client.post(
        reverse("admin:branches_organization_changelist") + "move/",
        {"node": c.a2.pk, "target": c.town_b.pk, "relation": "child"},
    )
    assert resp.status_code == 200
    a2 = Organization.objects.get(pk=c.a2.pk)
    assert a2.township_id == c.town_b.pk
    assert audit_for(a2).get(action=AuditAction.ORG_MOVE).actor == su
    # Under its own subtree: refused, nothing moved.
    resp = client.post(
        reverse("admin:branches_organization_changelist") + "move/",
        {"node": c.a1.pk, "target": c.a1_branch.pk, "relation": "child"},
    )
    assert resp.status_code == 400
    assert Organization.objects.get(pk=c.a1.pk).path == c.a1.path


def test_the_admin_refuses_an_unknown_parent_code_and_keeps_what_was_typed(small_city, client):
    c = small_city
    _root(client)
    resp = client.post(
        reverse("admin:branches_organization_change", args=[c.a1.pk]),
        _form_data(client, c.a1, parent_code="NOPE", secretary_name="李书记"),
    )
    assert resp.status_code == 200
    assert "上级组织代码 NOPE 不存在" in resp.content.decode()
    assert 'value="李书记"' in resp.content.decode()
    assert not audit_for(c.a1).exclude(action=AuditAction.ORG_CREATE).exists()
    assert Organization.objects.get(pk=c.a1.pk).path == c.a1.path


def test_the_admin_creates_an_organization_under_its_parent_with_an_audit_row(small_city, client):
    c = small_city
    su = _root(client)
    data = {"code": "TB09", "name": "乙九村党支部", "level": "unit", "domain": "village", "org_form": "branch",
            "term_years": "5", "status": "active", "parent_code": c.town_b.code}  # fmt: skip
    resp = client.post(reverse("admin:branches_organization_add"), data)
    assert resp.status_code == 302
    org = Organization.objects.get(code="TB09")
    assert Organization.objects.get_parent(org) == c.town_b and org.township_id == c.town_b.pk
    assert audit_for(org).get(action=AuditAction.ORG_CREATE).actor == su


def test_organizations_cannot_be_deleted_in_the_admin(small_city, client):
    _root(client)
    resp = client.post(
        reverse("admin:branches_organization_delete", args=[small_city.a2.pk]), {"post": "yes"}
    )
    assert resp.status_code == 403
    assert Organization.objects.filter(pk=small_city.a2.pk).exists()


def test_a_role_granted_full_id_access_in_the_admin_leaves_an_audit_row(small_city, client):
    c = small_city
    su = _root(client)
    person = UserFactory(username="wang")
    resp = client.post(
        reverse("admin:branches_role_add"),
        {
            "user": person.pk,
            "organization": c.a2.pk,
            "kind": RoleKind.UNIT_SECRETARY,
            "can_view_full_id": "on",
        },
    )
    assert resp.status_code == 302
    role = Role.objects.get(user=person)
    assert role.can_view_full_id and not role.can_export
    ev = audit_for(role).get(action=AuditAction.ROLE_GRANT)
    assert ev.actor == su and ev.organization == c.a2
    assert ev.changes["can_view_full_id"] == [None, True] and ev.changes["kind"] == [None, "unit_secretary"]
    # Taking full-ID access away again is a change of flags, audited with old and new.
    resp = client.post(reverse("admin:branches_role_change", args=[role.pk]), {"can_export": "on"})
    assert resp.status_code == 302
    ev = audit_for(role).get(action=AuditAction.ROLE_UPDATE)
    assert ev.changes == {"can_export": [False, True], "can_view_full_id": [True, False]}
    # Revoking it (the admin's delete) is audited with what the role was.
    resp = client.post(reverse("admin:branches_role_delete", args=[role.pk]), {"post": "yes"})
    assert resp.status_code == 302 and not Role.objects.filter(pk=role.pk).exists()
    ev = AuditEvent.objects.get(action=AuditAction.ROLE_REVOKE, object_id=str(role.pk))
    assert ev.changes["user"] == ["wang", None] and ev.changes["can_export"] == [True, None]


def test_the_admin_role_page_cannot_turn_a_role_into_another(small_city, client):
    c = small_city
    _root(client)
    role = Role.objects.get(user=c.users["cun"])
    client.post(
        reverse("admin:branches_role_change", args=[role.pk]),
        {"user": c.users["cun2"].pk, "organization": c.b1.pk, "kind": RoleKind.CITY_ADMIN},
    )
    role.refresh_from_db()
    assert (role.user, role.organization, role.kind) == (c.users["cun"], c.a1, RoleKind.UNIT_SECRETARY)


def test_the_organization_import_writes_through_the_services_as_the_importer(small_city):
    c = small_city
    importer = UserFactory(username="dept")
    ds = tablib.Dataset(
        ["TB05", "乙五村党支部", "TB", "unit", "village", "branch", "", "", "", "5", "active"],
        ["TA02", "甲二村党支部", "TB", "unit", "village", "branch", "", "赵书记", "", "5", "active"],
        headers=["组织代码", "组织名称", "上级组织代码", "层级", "领域", "组织形式", "支部类型代码", "书记",
                 "上次换届日期", "任期（年）", "状态"],
    )  # fmt: skip
    result = OrganizationResource().import_data(ds, dry_run=False, user=importer)
    assert not result.has_errors() and not result.has_validation_errors()
    new = Organization.objects.get(code="TB05")
    moved = Organization.objects.get(code="TA02")
    assert new.township_id == c.town_b.pk and moved.township_id == c.town_b.pk
    assert audit_for(new).get(action=AuditAction.ORG_CREATE).actor == importer
    assert audit_for(moved).get(action=AuditAction.ORG_MOVE).actor == importer
    assert audit_for(moved).get(action=AuditAction.ORG_UPDATE).changes == {"secretary_name": ["", "赵书记"]}


def test_plain_records_edited_in_the_admin_leave_an_audit_row_with_old_and_new(small_city, client):
    from branches.models import BranchType

    su = _root(client)
    bt = BranchType.objects.create(code="project", name="工程支部", sort_order=1)
    resp = client.post(
        reverse("admin:branches_branchtype_change", args=[bt.pk]),
        {"code": "project", "name": "项目工程支部", "domain": "", "description": "", "sort_order": "1"},
    )
    assert resp.status_code == 302
    ev = audit_for(bt).get(action=AuditAction.ADMIN_SAVE)
    assert ev.actor == su and ev.changes == {"name": ["工程支部", "项目工程支部"]}


def test_records_with_rules_of_their_own_are_read_only_in_the_admin(small_city, client):
    from tests.members.helpers import add_member

    m = add_member(small_city.a1, 1)
    _root(client)
    change = reverse("admin:members_member_change", args=[m.pk])
    assert client.get(change).status_code == 200  # shown …
    assert client.post(change, {"name": "改名"}).status_code == 403  # … never saved here
    assert (
        client.post(reverse("admin:members_member_delete", args=[m.pk]), {"post": "yes"}).status_code == 403
    )
    m.refresh_from_db()
    assert m.name == "党员1"
