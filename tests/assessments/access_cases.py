"""Access matrix for the assessments URLs (see tests/access.py)."""

from datetime import date

from tests.access import EVERYONE, Case, allow


def _finding_status(f):
    from assessments.models import Finding

    return Finding.objects.get(pk=f.pk).status


def _fresh(f):
    """Each role runs in its own savepoint: read the row again, not the object an earlier role changed."""
    from assessments.models import Finding

    return Finding.objects.get(pk=f.pk)


def _answered_b1(city):
    from assessments import services

    services.finding_answer(actor=city.users["cun2"], finding=_fresh(city["finding_b1"]), answer="已整改到位")


def _appealed_a2(city):
    from assessments import services

    city.extra["appeal_a2"] = services.appeal_file(
        actor=city.users["zhen"],
        finding=_fresh(city["finding_a2"]),
        reason_kind="not_problem",
        reason="该问题不属实",
    )


def build(city):
    from assessments import scoring, services
    from assessments.models import ScoreRun
    from tests.assessments import helpers as h

    h.make_scheme(year=2023)
    h.village_standard()
    shi = city.users["shi"]
    fa2 = h.finding(city.a2, actor=shi)
    fb1 = h.finding(city.b1, actor=shi)
    run = services.run_start(actor=shi, period="2023Q3", kind="supervision", enqueue=False)
    scoring.run_compute(run.pk)
    services.run_publish(actor=shi, run=ScoreRun.objects.get(pk=run.pk))
    city.extra.update(
        finding_a2=fa2,
        finding_b1=fb1,
        run=run,
        page_a1=services.public_page_for(city.a1),
    )
    services.duty_report_save(
        actor=city.users["cun"], organization=city.a1, year=2023, title="述职", body="内容"
    )
    city.extra["today"] = date.today()
    from assessments import voting

    city.extra["ballots_a1"] = voting.ballots_issue(actor=shi, organization=city.a1, purpose="survey", size=2)
    city.extra["ballots_b1"] = voting.ballots_issue(actor=shi, organization=city.b1, purpose="survey", size=2)


def _evidence_file(finding):
    """Media lives in a per-test directory, so the file is written for each test."""
    from django.core.files.base import ContentFile

    finding.evidence.save("evidence.pdf", ContentFile(b"%PDF-1.4 test"), save=True)


ALL_SIGNED_IN = allow("shi", "zhen", "cun", "cun2", "ducha", "nobody")
A1_READERS = allow("shi", "zhen", "cun")
A2_READERS = allow("shi", "zhen", "ducha")
B1_READERS = allow("shi", "cun2")

CASES = [
    Case("assessments:index", allowed=ALL_SIGNED_IN),
    Case("assessments:findings", allowed=ALL_SIGNED_IN),
    Case("assessments:contacts", allowed=ALL_SIGNED_IN),
    Case("assessments:city", allowed=allow("shi")),
    Case("assessments:runs", allowed=allow("shi")),
    Case("assessments:run_detail", lambda c: {"run_id": c["run"].pk}, allow("shi")),
    Case("assessments:run_progress", lambda c: {"run_id": c["run"].pk}, allow("shi")),
    Case(
        "assessments:run_start",
        allowed=allow("shi"),
        method="post",
        data=lambda c: {"period": "2023Q3", "kind": "supervision"},
        ok_status=302,
        label="run_start",
        audit=("score_run_start",),
    ),
    Case(
        "assessments:unit_result",
        lambda c: {"org_id": c.a1.pk},
        A1_READERS,
        label="unit_result:a1",
        within="a1",
    ),
    Case(
        "assessments:fortress",
        lambda c: {"org_id": c.a1_branch.pk},
        A1_READERS,
        label="fortress:a1_branch",
        within="a1_branch",
    ),
    Case("assessments:fortress", lambda c: {"org_id": c.a2.pk}, A2_READERS, label="fortress:a2", within="a2"),
    Case("assessments:fortress", lambda c: {"org_id": c.b1.pk}, B1_READERS, label="fortress:b1", within="b1"),
    Case(
        "assessments:plan",
        lambda c: {"org_id": c.a1_branch.pk},
        A1_READERS,
        label="plan:a1_branch",
        within="a1_branch",
    ),
    Case(
        "assessments:plan", lambda c: {"org_id": c.a2.pk}, A2_READERS, label="plan:a2", within="a2"
    ),  # ducha reads
    Case(
        "assessments:plan",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen"),  # the inspector reads the plan but does not write it
        method="post",
        data=lambda c: {
            "year": "2023",
            "plan": "补齐三会一课记录",
            "responsible": "王书记",
            "deadline": "2024-06-30",
        },
        ok_status=302,
        label="plan_save:a2",
        within="a2",
        audit=("rectification_plan_create",),
    ),
    Case(
        "assessments:plan",
        lambda c: {"org_id": c.b1.pk},
        allow("shi", "cun2"),
        method="post",
        data=lambda c: {
            "year": "2023",
            "plan": "补齐三会一课记录",
            "responsible": "李书记",
            "deadline": "2024-06-30",
        },
        ok_status=302,
        label="plan_save:b1",
        within="b1",
        audit=("rectification_plan_create",),
    ),
    Case(
        "assessments:unit_result",
        lambda c: {"org_id": c.a2.pk},
        A2_READERS,
        label="unit_result:a2",
        within="a2",
    ),
    Case(
        "assessments:unit_result",
        lambda c: {"org_id": c.b1.pk},
        B1_READERS,
        label="unit_result:b1",
        within="b1",
    ),
    Case(
        "assessments:finding_file",
        lambda c: {"finding_id": c["finding_b1"].pk, "which": "evidence"},
        B1_READERS,
        label="finding_file:b1",
        setup=lambda c: _evidence_file(c["finding_b1"]),
        within="b1",
    ),
    Case(
        "assessments:entry",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"period": "2023Q3", "code": "honor", "value": "1"},
        ok_status=302,
        label="entry:a1",
        within="a1",
        audit=("entry_set",),
    ),
    Case(
        "assessments:entry",
        lambda c: {"org_id": c.a1.pk},
        allow("cun"),  # 自评: the unit itself, not the level above
        method="post",
        data=lambda c: {"period": "2023Q3", "code": "honor", "value": "1", "stage": "self"},
        ok_status=302,
        label="entry_self:a1",
        within="a1",
        audit=("entry_set",),
    ),
    Case(
        "assessments:entry",
        lambda c: {"org_id": c.b1.pk},
        allow("shi"),
        method="post",
        data=lambda c: {"period": "2023Q3", "code": "honor", "value": "1"},
        ok_status=302,
        label="entry:b1",
        within="b1",
        audit=("entry_set",),
    ),
    Case(
        "assessments:run_retry",
        lambda c: {"run_id": c["run"].pk},
        allow("shi"),
        method="post",
        data=lambda c: {},
        ok_status=302,
        label="run_retry",
        audit=(),  # a published run has nothing to retry: the page says so and nothing changes
    ),
    Case(
        "assessments:run_publish",
        lambda c: {"run_id": c["run"].pk},
        allow("shi"),
        method="post",
        data=lambda c: {},
        ok_status=302,
        label="run_publish",
        audit=(),  # already published (build): publishing again changes nothing
    ),
    Case(
        "assessments:ranking",
        lambda c: {"org_id": c.town_a.pk},
        allow("shi", "zhen"),
        label="ranking:town_a",
        within="town_a",
    ),
    Case(
        "assessments:ranking",
        lambda c: {"org_id": c.city.pk},
        allow("shi"),
        label="ranking:city",
        within="city",
    ),
    Case(
        "assessments:finding_detail",
        lambda c: {"finding_id": c["finding_a2"].pk},
        A2_READERS,
        label="finding:a2",
        within="a2",
    ),
    Case(
        "assessments:finding_detail",
        lambda c: {"finding_id": c["finding_b1"].pk},
        B1_READERS,
        label="finding:b1",
        within="b1",
    ),
    Case(
        "assessments:finding_action",
        lambda c: {"finding_id": c["finding_b1"].pk, "action": "verify"},
        allow("shi"),
        method="post",
        data=lambda c: {"accept": "1", "note": ""},
        ok_status=302,
        label="finding_verify:b1",
        within="b1",
        setup=_answered_b1,
        audit=("finding_verify",),
        effect=lambda c: _finding_status(c["finding_b1"]),
    ),
    # 职责分离: the township secretary appealed 甲二村's finding in its name, so may not rule on that
    # appeal (403, the finding stays as it was); the department and 甲二村's inspector may.
    Case(
        "assessments:finding_action",
        lambda c: {"finding_id": c["finding_a2"].pk, "action": "rule"},
        allow("shi", "ducha"),
        method="post",
        data=lambda c: {"appeal": c["appeal_a2"].pk, "uphold": "1", "note": "属实"},
        ok_status=302,
        label="finding_rule:a2:appealed-by-zhen",
        within="a2",
        setup=_appealed_a2,
        audit=("appeal_rule",),
        effect=lambda c: _finding_status(c["finding_a2"]),
    ),
    Case(
        "assessments:inspect",
        lambda c: {"org_id": c.a2.pk},
        allow("shi", "zhen", "ducha"),
        label="inspect:a2",
        within="a2",
    ),
    Case(
        "assessments:inspect",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen"),
        label="inspect:a1",
        within="a1",
    ),
    Case(
        "assessments:standards", lambda c: {"org_id": c.a1.pk}, A1_READERS, label="standards:a1", within="a1"
    ),
    Case("assessments:surveys", lambda c: {"org_id": c.b1.pk}, B1_READERS, label="surveys:b1", within="b1"),
    Case("assessments:qr", lambda c: {"org_id": c.a1.pk}, A1_READERS, label="qr:a1", within="a1"),
    Case("assessments:qr", lambda c: {"org_id": c.a2.pk}, allow("shi", "zhen"), label="qr:a2", within="a2"),
    Case("assessments:duty_edit", lambda c: {"org_id": c.a1.pk}, A1_READERS, label="duty:a1", within="a1"),
    Case(
        "assessments:survey",
        lambda c: {"key": c["page_a1"].key},
        EVERYONE | {"anonymous"},
        label="survey:public",
    ),
    Case(
        "assessments:public_unit",
        lambda c: {"key": c["page_a1"].key},
        EVERYONE | {"anonymous"},
        label="public_unit",
    ),
    Case(
        "assessments:survey",
        lambda c: {"key": "no-such-key"},
        allow(),
        label="survey:missing",
        within="missing",
        status={"anonymous": 404},  # the public survey page: anyone, signed in or not, gets the same 404
    ),
    # 一次性评价票: the unit's readers see the list; only the level above issues and prints
    Case("assessments:ballots", lambda c: {"org_id": c.a1.pk}, A1_READERS, label="ballots:a1", within="a1"),
    Case(
        "assessments:ballots",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen"),
        method="post",
        data=lambda c: {"purpose": "survey", "size": "2"},
        ok_status=302,
        label="ballots:issue:a1",
        within="a1",
        audit=("ballot.issue",),
    ),
    Case(
        "assessments:ballots_print",
        lambda c: {"batch_id": c["ballots_a1"].pk},
        allow("shi", "zhen"),
        label="ballots_print:a1",
        within="a1",
    ),
    Case(
        "assessments:ballots_print",
        lambda c: {"batch_id": c["ballots_b1"].pk},
        allow("shi"),
        label="ballots_print:b1",
        within="b1",
    ),
    Case(
        "assessments:ballot",
        lambda c: {"code": c["ballots_a1"].ballots.first().code},
        EVERYONE | {"anonymous"},
        label="ballot:public",
    ),
    Case(
        "assessments:ballot",
        lambda c: {"code": "NOSUCHCODE22"},
        allow(),
        label="ballot:missing",
        within="missing",
        status={"anonymous": 404},
    ),
]

CASES += [
    Case(
        "assessments:entry_grid",
        lambda c: {"org_id": c.town_a.pk},
        allow("shi", "zhen"),
        query=lambda c: {"period": "2023Q3"},
        label="entry_grid:town_a",
        within="town_a",
    ),
    Case(
        "assessments:entry_grid",
        lambda c: {"org_id": c.a1.pk},
        allow("shi", "zhen"),
        query=lambda c: {"period": "2023Q3"},
        label="entry_grid:a1",
        within="a1",
    ),
    Case(
        "assessments:entry_grid",
        lambda c: {"org_id": c.b1.pk},
        allow("shi"),
        method="post",
        data=lambda c: {"period": "2023Q3", "kind": "supervision", f"v-{c.b1.pk}-honor": "1"},
        ok_status=302,
        label="entry_grid_post:b1",
        within="b1",
        audit=("entry_set",),
    ),
]
