from tests.access import EVERYONE, Case, allow

CASES = [
    Case("branches:home", allowed=EVERYONE),
    Case("branches:org_search", allowed=EVERYONE),
    Case(
        "branches:org_detail",
        lambda c: {"org_id": c.city.pk},
        allow("shi"),
        label="org_detail:city",
        within="city",
    ),
    Case(
        "branches:org_detail",
        lambda c: {"org_id": c.town_a.pk},
        allow("shi", "zhen"),
        label="org_detail:town_a",
        within="town_a",
    ),
    Case(
        "branches:org_detail",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen", "cun"),
        label="org_detail:a1",
        within="a1",
    ),
    Case(
        "branches:org_detail",
        lambda c: {"org_id": c.a1_branch.pk},
        allow("shi", "zhen", "cun"),
        label="org_detail:a1_branch",
        within="a1_branch",
    ),
    Case(
        "branches:org_detail",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen", "ducha"),
        label="org_detail:a2",
        within="a2",
    ),
    Case(
        "branches:org_detail",
        lambda c: {"org_id": c.b1.pk},
        allow("shi", "cun2"),
        label="org_detail:b1",
        within="b1",
    ),
    Case(
        "branches:org_detail",
        lambda c: {"org_id": 987654},
        allow(),
        label="org_detail:missing",
        within="missing",
    ),
]
