"""Hand-computed scores for the small city, quarter 2023Q3 (July–September).

Test scheme (helpers.make_scheme), 100 base points = 60 common + 40 village:
  completion   40 × accepted/total checklist items of the unit's subtree (linear 0 → 1)
  satisfaction 20 × (s − 0.5) / 0.5, s = (满意 + ½ 基本满意) / answers; no answers → s = 0.8
  standards    40 × items verified met / items of the village standard (4 items)
  findings     −2 per weighted finding (轻微 1 · 一般 2 · 严重 3), capped at −6
  honor        + the entered value, at most 3;  veto: any entered value > 0
  bands: 五星 ≥ 90 with an innovation project · 四星 ≥ 70 · 后进 below, or on a veto
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments import scoring, services
from assessments.models import RunStatus, ScoreResult
from tests.assessments import helpers as h

D = Decimal
JUL, AUG, SEP = date(2023, 7, 1), date(2023, 8, 1), date(2023, 9, 1)


@pytest.fixture
def scored_city(small_city):
    c = small_city
    shi, zhen = c.users["shi"], c.users["zhen"]
    h.make_scheme()
    items = h.village_standard()
    # a1: its own items 3/4 accepted, its first branch 4/4 → (3 + 4) / 8 = 0.875
    h.checklist(c.a1, month=JUL, accepted=3, total=4)
    h.checklist(c.a1_branch, month=AUG, accepted=4, total=4)
    h.checklist(c.a1, month=date(2023, 6, 1), accepted=0, total=5)  # June: another quarter
    h.survey(c.a1, ["satisfied", "satisfied", "satisfied", "basic"], AUG)
    h.survey(c.a1, ["unsatisfied"], date(2023, 6, 20), tag="june")  # not in Q3
    h.self_check_and_verify(c.a1, items, 3, secretary=c.users["cun"], reviewer=zhen)
    h.finding(c.a1, actor=shi, severity="general")
    withdrawn = h.finding(c.a1, actor=shi, severity="serious")
    ap = services.appeal_file(
        actor=c.users["cun"], finding=withdrawn, reason_kind="not_problem", reason="已整改到位"
    )
    services.appeal_rule(actor=shi, appeal=ap, uphold=True, note="属实")
    services.entry_set(actor=shi, organization=c.a1, period="2023Q3", code="honor", value=2)
    services.entry_set(actor=shi, organization=c.a1, period="2023Q3", code="innovation", value=1)
    # a2: 4/4; no survey (default 0.8); all standards; honor 3; no innovation project
    h.checklist(c.a2, month=SEP, accepted=4, total=4)
    h.self_check_and_verify(c.a2, items, 4, secretary=zhen, reviewer=shi)
    services.entry_set(actor=shi, organization=c.a2, period="2023Q3", code="honor", value=3)
    # b1: 2/4; one 满意 one 不满意; 2 of 4 standards; two serious findings; a veto situation
    h.checklist(c.b1, month=JUL, accepted=2, total=4)
    h.survey(c.b1, ["satisfied", "unsatisfied"], SEP)
    h.self_check_and_verify(c.b1, items, 2, secretary=c.users["cun2"], reviewer=shi)
    h.finding(c.b1, actor=shi, severity="serious")
    h.finding(c.b1, actor=shi, severity="serious")
    services.entry_set(
        actor=shi, organization=c.b1, period="2023Q3", code="veto", value=1, note="发生群体性事件"
    )
    return c


def _compute(period="2023Q3", chunk_size=500):
    run = services.run_start(
        actor=None, period=period, kind="supervision", enqueue=False, chunk_size=chunk_size
    )
    return scoring.run_compute(run.pk)


def _by_org(run):
    return {r.organization_id: r for r in ScoreResult.objects.filter(run=run)}


def _points(result):
    return {line["code"]: D(str(line["points"])) for line in result.breakdown}


def test_hand_computed_scores_with_breakdown(scored_city):
    c = scored_city
    run = _compute()
    assert run.status == RunStatus.DRAFT
    res = _by_org(run)
    assert set(res) == {c.a1.pk, c.a2.pk, c.b1.pk}  # units only, their branches roll up

    a1 = res[c.a1.pk]
    # completion 40 × 7/8 = 35; satisfaction s = 3.5/4 = 0.875 → 20 × 0.375/0.5 = 15;
    # standards 40 × 3/4 = 30; findings: one 一般 (2) → −4 (the 严重 one was withdrawn on appeal);
    # honor +2.  base 80, total 80 + 2 − 4 = 78 → 四星
    assert _points(a1) == {"completion": D("35"), "satisfaction": D("15"), "standards": D("30"),
                           "findings": D("-4"), "honor": D("2"), "veto": D("0")}  # fmt: skip
    assert (a1.base, a1.bonus, a1.deduction, a1.total) == (D("80"), D("2"), D("4"), D("78"))
    assert (a1.grade_label, a1.stars, a1.lagging) == ("四星", 4, False)

    a2 = res[c.a2.pk]
    # 40 × 4/4 = 40; no answers → s = 0.8 → 20 × 0.3/0.5 = 12; 40 × 4/4 = 40; honor +3
    # base 92, total 95 ≥ 90 but no innovation project → 四星, not 五星
    assert _points(a2)["satisfaction"] == D("12")
    assert (a2.base, a2.total, a2.grade_label, a2.stars) == (D("92"), D("95"), "四星", 4)

    b1 = res[c.b1.pk]
    # 40 × 2/4 = 20; s = 1/2 = 0.5 → 0; 40 × 2/4 = 20; two 严重 (3 + 3 = 6) × 2 = 12 → capped 6
    # base 40, total 34; veto → 后进 (this scheme keeps the score)
    assert (b1.base, b1.deduction, b1.total) == (D("40"), D("6"), D("34"))
    assert b1.vetoed and b1.lagging and b1.grade_label == "后进"
    # ranks: city a2 95 > a1 78 > b1 34; 甲镇 a2, a1; 乙镇 b1
    assert [(res[o].rank_city, res[o].rank_township) for o in (c.a2.pk, c.a1.pk, c.b1.pk)] == [
        (1, 1),
        (2, 2),
        (3, 1),
    ]
    # every breakdown line names its source, raw value and the counts behind it
    line = next(x for x in a1.breakdown if x["code"] == "completion")
    assert line["source"] == "pilot.completion" and line["num"] == [7, 8] and line["raw"] == 0.875


def test_five_stars_need_an_innovation_project(scored_city):
    c = scored_city
    services.entry_set(actor=c.users["shi"], organization=c.a2, period="2023Q3", code="innovation", value=1)
    a2 = _by_org(_compute())[c.a2.pk]
    assert (a2.total, a2.grade_label, a2.stars, a2.innovation) == (D("95"), "五星", 5, True)


def test_veto_zeroes_the_score_when_the_scheme_says_so(scored_city):
    c = scored_city
    from assessments.models import Scheme

    new = services.scheme_new_version(actor=None, scheme=Scheme.objects.get(status="published"))
    new.veto_effect = "zero"
    new.save()
    services.scheme_publish(actor=None, scheme=new)
    run = _compute()
    assert run.scheme.version == 2
    b1 = _by_org(run)[c.b1.pk]
    assert (b1.total, b1.lagging, b1.vetoed, b1.scheme_version) == (D("0"), True, True, 2)
    assert Scheme.objects.get(version=1).status == "superseded"


def test_published_scheme_cannot_be_published_again_nor_invalid_one_published(small_city):
    s = h.make_scheme()
    with pytest.raises(ValidationError):
        services.scheme_publish(actor=None, scheme=s)
    bad = h.make_scheme(year=2024, publish=False)
    bad.indicators.filter(code="standards").update(weight=30)
    with pytest.raises(ValidationError) as e:
        services.scheme_publish(actor=None, scheme=bad)
    assert "应为 100" in str(e.value)


def test_publishing_freezes_and_recomputing_creates_a_new_draft(scored_city):
    c = scored_city
    first = _compute()
    services.run_publish(actor=c.users["shi"], run=first)
    frozen = {r.organization_id: (r.total, r.breakdown) for r in ScoreResult.objects.filter(run=first)}
    # new data after publication: a1 gets one more 一般 finding in Q3: 2 + 2 = 4 weighted × 2 = 8,
    # capped at 6 → 80 + 2 − 6 = 76
    h.finding(c.a1, actor=c.users["shi"], severity="general", on=date(2023, 9, 5), deadline=date(2023, 9, 30))
    second = _compute()
    assert second.pk != first.pk and second.status == RunStatus.DRAFT and second.replaces_id == first.pk
    first.refresh_from_db()
    assert first.status == RunStatus.PUBLISHED
    assert {
        r.organization_id: (r.total, r.breakdown) for r in ScoreResult.objects.filter(run=first)
    } == frozen
    assert _by_org(second)[c.a1.pk].total == D("76")
    services.run_publish(actor=c.users["shi"], run=second)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED
    assert ScoreResult.objects.filter(run=first, organization=c.a1).get().total == D("78")


def test_a_run_in_public_notice_is_graded_only_after_the_notice_period(scored_city):
    """公示 → 定级: the draft is shown for the scheme's notice days (5 by default); publishing
    before they end is refused with the date, afterwards it goes through."""
    from datetime import timedelta

    from django.utils import timezone

    c = scored_city
    run = services.run_start_notice(actor=c.users["shi"], run=_compute())
    assert run.status == RunStatus.NOTICE and run.notice_until == timezone.localdate() + timedelta(days=5)
    with pytest.raises(ValidationError, match=f"公示期至 {run.notice_until:%Y-%m-%d}，期满后方可定级发布。"):
        services.run_publish(actor=c.users["shi"], run=run)
    with pytest.raises(ValidationError, match="只有草稿可以进入公示。"):
        services.run_start_notice(actor=c.users["shi"], run=run)
    run.notice_until = timezone.localdate() - timedelta(days=1)
    run.save(update_fields=["notice_until"])
    assert services.run_publish(actor=c.users["shi"], run=run).status == RunStatus.PUBLISHED


def test_rerunning_a_draft_gives_the_same_rows(scored_city):
    a = _compute()
    rows_a = sorted(
        (r.organization_id, r.total, r.grade, r.breakdown) for r in ScoreResult.objects.filter(run=a)
    )
    b = _compute()
    a.refresh_from_db()
    assert a.status == RunStatus.SUPERSEDED
    rows_b = sorted(
        (r.organization_id, r.total, r.grade, r.breakdown) for r in ScoreResult.objects.filter(run=b)
    )
    assert rows_a == rows_b


def test_two_runs_for_one_period_at_once_are_refused(scored_city):
    services.run_start(actor=None, period="2023Q3", kind="supervision", enqueue=False)
    with pytest.raises(ValidationError):
        services.run_start(actor=None, period="2023Q3", kind="supervision", enqueue=False)


def test_a_killed_run_resumes_from_its_last_chunk_with_the_same_result(scored_city, monkeypatch, settings):
    expected = sorted(
        (r.organization_id, r.total, r.breakdown) for r in ScoreResult.objects.filter(run=_compute())
    )
    run = services.run_start(actor=None, period="2023Q3", kind="supervision", enqueue=False, chunk_size=1)
    real = scoring._write_chunk
    calls = []

    def dies_after_two(run_, lease, n, chunk, rows):
        if len(calls) == 2:
            raise KeyboardInterrupt  # like SIGKILL: no exception handler runs, the lease stays
        calls.append(n)
        real(run_, lease, n, chunk, rows)

    monkeypatch.setattr(scoring, "_write_chunk", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        scoring.run_compute(run.pk)
    monkeypatch.setattr(scoring, "_write_chunk", real)
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.chunks_total) == (RunStatus.RUNNING, 2, 3)
    # a second delivery while the lease is fresh does nothing
    assert scoring.run_compute(run.pk) is None
    settings.ASSESSMENTS_RUN_STALE_SECONDS = 0
    from assessments.tasks import sweep_stale_runs

    assert sweep_stale_runs() == [run.pk]  # eager: the sweeper's re-enqueued task resumes it
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT and run.attempts == 2
    got = sorted((r.organization_id, r.total, r.breakdown) for r in ScoreResult.objects.filter(run=run))
    assert got == expected


def test_period_codes_parse_and_bad_ones_are_refused():
    q = scoring.parse_period("2023q3")
    assert (q.code, q.start, q.end) == ("2023Q3", date(2023, 7, 1), date(2023, 9, 30))
    assert scoring.parse_period("2023H1").end == date(2023, 6, 30)
    assert scoring.parse_period("2023").shape == "Y"
    for bad in ("2023Q5", "23Q1", "2023H3", ""):
        with pytest.raises(scoring.PeriodError):
            scoring.parse_period(bad)


def test_band_quota_moves_the_surplus_down(small_city):
    from assessments.models import GradeBand

    s = h.make_scheme()
    GradeBand.objects.filter(scheme=s, code="four").update(quota_percent=D("40"))
    for org in (small_city.a1, small_city.a2, small_city.b1):
        h.checklist(org, month=JUL, accepted=4, total=4)
    # all three: 40 + 12 + 0 = 52 … below 70; lift them with honor entries is not enough — use a
    # scheme threshold instead: everyone reaches 四星 at ≥ 50, quota 40 % of 3 = 1 unit keeps it.
    GradeBand.objects.filter(scheme=s, code="four").update(min_score=50)
    res = _by_org(_compute())
    assert sorted(r.grade for r in res.values()) == ["four", "lagging", "lagging"]


def test_compute_scores_command_prints_progress_and_summary(scored_city, capsys):
    from django.core.management import call_command

    call_command("compute_scores", "--period", "2023Q3", "--chunk-size", "2")
    out = capsys.readouterr().out
    assert "1/2" in out and "2/2" in out and "3 个对象" in out and "后进 1" in out


def test_chunk_scoped_sources_give_the_same_rows_as_run_wide_ones(scored_city, settings):
    """Run-wide runs rank and apply quotas in memory; chunk-scoped ones in SQL — same rows."""
    fields = ("organization_id", "total", "breakdown", "grade", "rank_city", "rank_township", "rank_domain")
    run_wide = sorted(ScoreResult.objects.filter(run=_compute(chunk_size=1)).values_list(*fields))
    settings.ASSESSMENTS_SOURCE_SCOPE = "chunk"
    per_chunk = sorted(ScoreResult.objects.filter(run=_compute(chunk_size=2)).values_list(*fields))
    assert run_wide == per_chunk
    assert {r[4] for r in run_wide} == {1, 2, 3}


def test_checklist_sources_count_as_the_pilots_selector_in_both_scopes(scored_city):
    """The score's checklist counts are the pilot pages' (completion_by_org), run-wide and per
    chunk. By hand, 2023Q3: a1 July 4 items, 3 accepted on the 20th (due the 25th), 1 pending
    past its due date (late) → (4 due, 3 accepted, 3 on time); its branch August 4/4 → (4, 4, 4);
    a2 September (4, 4, 4); b1 July 2 of 4 → (4, 2, 2); a1's June items are another quarter.
    One more a2 item submitted but flagged late: due 5, on time still 4."""
    from assessments.sources import SourceContext, _pilot_items
    from pilot.models import ChecklistItem
    from pilot.selectors import completion_by_org

    c = scored_city
    h.checklist(c.a2, month=SEP, accepted=1, total=1)
    last = ChecklistItem.objects.filter(organization=c.a2).latest("pk")
    ChecklistItem.objects.filter(pk=last.pk).update(status="submitted", accepted_at=None, is_late=True)
    expected = {c.a1.pk: (4, 3, 3), c.a1_branch.pk: (4, 4, 4), c.a2.pk: (5, 4, 4), c.b1.pk: (4, 2, 2)}

    def ctx(org_ids):
        return SourceContext(
            org_ids=org_ids, start=JUL, end=date(2023, 9, 30), period="2023Q3", year=2023, domains={}
        )

    assert _pilot_items(ctx(None)) == expected
    assert _pilot_items(ctx([c.a2.pk, c.b1.pk])) == {k: expected[k] for k in (c.a2.pk, c.b1.pk)}
    pages = completion_by_org(JUL, date(2023, 9, 30))
    assert {oid: (x.due, x.accepted, x.on_time) for oid, x in pages.items()} == expected


def test_five_star_member_rate_source_reads_the_members_pioneer_index(small_city):
    from assessments.sources import SourceContext, members_five_star_rate
    from members.models import Member, PioneerScheme, PioneerScore

    scheme = PioneerScheme.objects.create(year=2023, name="先锋指数")
    for i, stars in enumerate([5, 5, 3, 4]):
        m = Member.objects.create(name=f"党员{i}", gender="M", resident_id="11010519491231002X", birth_date=date(1949, 12, 31),
                                  joined_on=date(1980, 7, 1), organization=small_city.a1_branch, status="transferred")  # fmt: skip
        PioneerScore.objects.create(member=m, scheme=scheme, year=2023, total=90, stars=stars)
    ctx = SourceContext(
        org_ids=None, start=date(2023, 1, 1), end=date(2023, 12, 31), period="2023", year=2023, domains={}
    )
    assert members_five_star_rate(ctx) == {small_city.a1_branch.pk: (2, 4)}


def test_a_vetoed_unit_ranks_below_every_unit_that_was_not(scored_city, settings):
    """一票否决 puts a unit at the bottom whatever its points — in memory (run-wide) and in SQL
    (chunk-scoped runs) alike. Vetoed units among themselves go by points."""
    c = scored_city
    services.entry_set(actor=c.users["shi"], organization=c.a2, period="2023Q3", code="veto", value=1)
    for scope in ("run", "chunk"):
        settings.ASSESSMENTS_SOURCE_SCOPE = scope
        res = _by_org(_compute(chunk_size=1))
        a1, a2, b1 = res[c.a1.pk], res[c.a2.pk], res[c.b1.pk]
        # a2 keeps its 95 points (this scheme keeps the score) but ranks after a1's 78;
        # a2 (95) and b1 (34) are both vetoed: a2 before b1
        assert (a2.total, a1.total, b1.total) == (D("95"), D("78"), D("34")), scope
        assert (a1.rank_city, a2.rank_city, b1.rank_city) == (1, 2, 3), scope
        assert (a1.rank_township, a2.rank_township, b1.rank_township) == (1, 2, 1), scope


def test_apply_ranks_shares_a_rank_on_ties_and_skips_the_next():
    rows = [
        {"organization_id": i, "township_id": t, "domain": d, "total": D(x), "vetoed": v}
        for i, t, d, x, v in [
            (1, 10, "village", "90", False),
            (2, 10, "village", "80", False),
            (3, 11, "village", "80", False),
            (4, 11, "school", "70", False),
            (5, 10, "school", "99", True),
        ]
    ]
    scoring.apply_ranks(rows)
    got = {r["organization_id"]: (r["rank_city"], r["rank_township"], r["rank_domain"]) for r in rows}
    assert got == {1: (1, 1, 1), 2: (2, 2, 2), 3: (2, 1, 2), 4: (4, 2, 1), 5: (5, 3, 2)}


@pytest.mark.django_db
def test_result_breakdowns_are_lz4_compressed_inline_on_postgresql():
    """A 25-indicator breakdown (3.6 KB) is lz4-compressed in its row (migration 0013): the
    uncompressed rows of 0004 fitted one to a page, 38 MB per quarter's run instead of 10 MB."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL storage option (CI's PostgreSQL pass checks it)")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT a.attcompression, a.attstorage, c.reloptions FROM pg_attribute a JOIN pg_class c "
            "ON c.oid = a.attrelid WHERE c.relname = 'assessments_scoreresult' AND a.attname = 'breakdown'"
        )
        compression, storage, options = cur.fetchone()
    assert (compression, storage) == ("l", "m")  # lz4, MAIN: compressed, kept in the row
    assert not any(o.startswith("toast_tuple_target") for o in options or [])
