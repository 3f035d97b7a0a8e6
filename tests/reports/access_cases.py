"""Every reports URL × every role. A unit downloads only its own report, a township its units',
the department all; exports need ``can_export``; batches and zips follow the batch's organization."""

from tests.access import EVERYONE, Case, allow


def build(city):
    from reports import services
    from reports.models import ReportFile

    for key, org in (("batch_city", city.city), ("batch_town_a", city.town_a)):
        batch = services.batch_start(actor=city.users["shi"], org=org, year=2023)
        # The matrix city lives inside one transaction (on_commit never fires): render directly.
        for fid in ReportFile.objects.filter(batch=batch).values_list("pk", flat=True):
            services.render_file(file_id=fid)
        services.finish_if_complete(batch_id=batch.pk)
        city.extra[key] = batch
    arcs = {a.organization_id: a for a in city.extra["batch_city"].archives.all()}
    city.extra["archive_a"] = arcs[city.town_a.pk]
    city.extra["archive_b"] = arcs[city.town_b.pk]
    for key in ("archive_a", "archive_b"):
        with city.extra[key].file.open("rb") as fh:
            city.extra[f"{key}_bytes"] = fh.read()


def _archive_on_disk(c):
    """Each matrix test has its own MEDIA_ROOT: put the zips' bytes where this test looks."""
    from pathlib import Path

    from django.conf import settings

    for key in ("archive_a", "archive_b"):
        path = Path(settings.MEDIA_ROOT) / c[key].file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(c.extra[f"{key}_bytes"])


def _org(key):
    return lambda c: {"org_id": c[key].pk}


def _year(c):
    return {"year": 2023}


ORG_SEES = {
    "city": allow("shi"),
    "town_a": allow("shi", "zhen"),
    "a1": allow("shi", "zhen", "cun"),
    "a2": allow("shi", "zhen", "ducha"),
    "b1": allow("shi", "cun2"),
}

CASES = [
    Case("reports:dashboard", allowed=EVERYONE, ok_status=302, status={"nobody": 200}),
    *[
        Case("reports:dashboard_org", _org(k), v, query=_year, label=f"reports:dashboard_org:{k}", within=k)
        for k, v in ORG_SEES.items()
    ],
    Case(
        "reports:dashboard_org",
        lambda c: {"org_id": 987654},
        allow(),
        label="reports:dashboard_org:missing",
        within="missing",
    ),
    # Exports: seeing is not enough, the role must carry can_export (shi and zhen in the small city).
    Case(
        "reports:dashboard_export",
        lambda c: {"org_id": c.city.pk, "table": "township"},
        allow("shi"),
        query=_year,
        label="reports:dashboard_export:city",
        within="city",
    ),
    Case(
        "reports:dashboard_export",
        lambda c: {"org_id": c.town_a.pk, "table": "domain"},
        allow("shi", "zhen"),
        query=_year,
        label="reports:dashboard_export:town_a",
        within="town_a",
    ),
    Case(
        "reports:dashboard_export",
        lambda c: {"org_id": c.a1.pk, "table": "units"},
        allow("shi", "zhen"),
        query=_year,
        label="reports:dashboard_export:a1",
        within="a1",
    ),
    Case(
        "reports:rankings_export",
        _org("city"),
        allow("shi"),
        query=_year,
        label="reports:rankings_export:city",
        within="city",
    ),
    Case(
        "reports:rankings_export",
        _org("town_a"),
        allow("shi", "zhen"),
        query=_year,
        label="reports:rankings_export:town_a",
        within="town_a",
    ),
    # Unit reports: the unit itself, its township, the city (and the inspector assigned to it).
    *[
        Case(
            "reports:unit_report",
            _org(k),
            ORG_SEES[k],
            query=_year,
            label=f"reports:unit_report:{k}",
            within=k,
        )
        for k in ("a1", "a2", "b1")
    ],
    Case(
        "reports:unit_report",
        _org("town_a"),
        allow(),
        query=_year,
        label="reports:unit_report:not_a_unit",
        within="missing",
    ),
    Case(
        "reports:summary_report",
        _org("city"),
        allow("shi"),
        query=_year,
        label="reports:summary_report:city",
        within="city",
    ),
    Case(
        "reports:summary_report",
        _org("town_a"),
        allow("shi", "zhen"),
        query=_year,
        label="reports:summary_report:town_a",
        within="town_a",
    ),
    Case(
        "reports:summary_report",
        _org("a1"),
        allow(),
        query=_year,
        label="reports:summary_report:unit",
        within="missing",
    ),
    Case("reports:batch_list", allowed=EVERYONE),
    Case(
        "reports:batch_start",
        method="post",
        data=lambda c: {"org": c.city.pk, "year": 2023},
        allowed=allow("shi"),
        ok_status=302,
        label="reports:batch_start:city",
        within="city",
        audit=("report_batch_start",),
    ),
    Case(
        "reports:batch_start",
        method="post",
        data=lambda c: {"org": c.town_a.pk, "year": 2023},
        allowed=allow("shi", "zhen"),
        ok_status=302,
        label="reports:batch_start:town_a",
        within="town_a",
        audit=("report_batch_start",),
    ),
    Case(
        "reports:batch_detail",
        lambda c: {"batch_id": c["batch_city"].pk},
        allow("shi"),
        label="reports:batch_detail:city",
        within="city",
    ),
    Case(
        "reports:batch_detail",
        lambda c: {"batch_id": c["batch_town_a"].pk},
        allow("shi", "zhen"),
        label="reports:batch_detail:town_a",
        within="town_a",
    ),
    Case(
        "reports:batch_progress",
        lambda c: {"batch_id": c["batch_city"].pk},
        allow("shi"),
        label="reports:batch_progress:city",
        within="city",
    ),
    Case(
        "reports:batch_resume",
        lambda c: {"batch_id": c["batch_town_a"].pk},
        allow("shi", "zhen"),
        method="post",
        ok_status=302,
        label="reports:batch_resume:town_a",
        within="town_a",
        audit=("report_batch_resume",),
    ),
    Case(
        "reports:archive_download",
        lambda c: {"archive_id": c["archive_a"].pk},
        allow("shi", "zhen"),
        label="reports:archive_download:town_a",
        setup=_archive_on_disk,
        within="town_a",
    ),
    Case(
        "reports:archive_download",
        lambda c: {"archive_id": c["archive_b"].pk},
        allow("shi"),
        label="reports:archive_download:town_b",
        setup=_archive_on_disk,
        within="town_b",
    ),
]
