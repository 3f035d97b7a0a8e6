from django.urls import reverse


def test_department_opens_the_pilot_admin(client, small_city, admin_user):
    client.force_login(admin_user)
    for name in ("admin:pilot_task_changelist", "admin:pilot_checklistitem_changelist", "admin:pilot_brand_changelist",
                 "admin:pilot_task_import"):  # fmt: skip
        assert client.get(reverse(name)).status_code == 200, name
