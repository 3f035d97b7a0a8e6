"""Demo members: plausible names (some with rare characters or a '·'), valid resident IDs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.utils import timezone

from branches.demo import _MINORITY, DemoContext, _person

from . import bulk
from .crypto import blind_index
from .importing import insert_members
from .models import CarePayment, CareVisit, Category, Education, Member, MemberStatus, Part, PioneerEntry
from .resident_id import make

_AREAS = ["410102", "410103", "410104", "410105", "410122", "410181", "410182", "410183"]
_EDU = [Education.PRIMARY, Education.JUNIOR, Education.JUNIOR, Education.SENIOR, Education.VOCATIONAL,
        Education.COLLEGE, Education.BACHELOR, Education.BACHELOR, Education.MASTER]  # fmt: skip
_ETHNIC = ["汉族"] * 40 + ["回族", "满族", "蒙古族", "壮族"]


def build(ctx: DemoContext) -> None:
    rng = ctx.rng
    leaves = ctx.leaves
    n = ctx.members_target
    # Some units are keener on e-ID than others: a per-township rate makes the spread visible.
    town_rate = {t.pk: rng.uniform(0.75, 0.99) for t in ctx.townships}
    seen: set[str] = set()
    batch: list[Member] = []
    total = 0
    today = ctx.today
    cutoff = today - timedelta(days=150)  # the newest members joined five months ago
    authed_from = date(ctx.year - 1, 3, 1)  # e-ID authentication began with the pilot
    for i in range(n):
        org = (
            leaves[(i * 7919 + rng.randrange(len(leaves))) % len(leaves)]
            if i % 3
            else leaves[i % len(leaves)]
        )
        if rng.random() < 0.004:
            name, ethnicity, gender = rng.choice(_MINORITY)
            male = gender == "M"
        else:
            name, ethnicity, male = _person(rng), rng.choice(_ETHNIC), rng.random() < 0.7
        birth = date(rng.randint(1940, 2002), rng.randint(1, 12), rng.randint(1, 28))
        rid = make(rng.choice(_AREAS), birth, rng.randrange(1000), male)
        while rid in seen:
            rid = make(rng.choice(_AREAS), birth, rng.randrange(1000), male)
        seen.add(rid)
        earliest = birth.replace(year=birth.year + 18) + timedelta(days=1)
        span = (cutoff - earliest).days
        joined = earliest + timedelta(days=rng.randrange(max(span, 1)))
        probationary = joined > today - timedelta(days=365)
        r = rng.random()
        status = (
            MemberStatus.NORMAL
            if r < 0.93
            else MemberStatus.FLOATING
            if r < 0.97
            else rng.choice([MemberStatus.TRANSFERRED, MemberStatus.DECEASED, MemberStatus.LEFT])
        )
        rate = (
            0.985
            if ctx.exemplary(org.pk)
            else 0.5
            if ctx.struggling(org.pk)
            else town_rate.get(org.township_id, 0.85)
        )
        authed = rng.random() < rate
        batch.append(
            Member(
                name=name,
                gender="M" if male else "F",
                ethnicity=ethnicity,
                resident_id=rid,
                resident_id_hash=blind_index(rid),
                birth_date=birth,
                education=rng.choice(_EDU),
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                joined_on=joined,
                full_member_on=None if probationary else joined + timedelta(days=365),
                category=Category.PROBATIONARY if probationary else Category.FULL,
                status=status,
                organization_id=org.pk,
                eid_authenticated=authed,
                eid_authenticated_on=authed_from
                + timedelta(days=rng.randrange(max((today - authed_from).days, 1)))
                if authed
                else None,
                in_difficulty=rng.random() < 0.03,
            )
        )
        if len(batch) >= 5000:
            insert_members(batch)
            total += len(batch)
            batch.clear()
    insert_members(batch)
    total += len(batch)
    ctx.log(f"党员：{total} 名")
    build_dues(ctx)
    build_cards(ctx)
    _pioneer(ctx)
    _care(ctx)
    from . import demo_life

    demo_life.build(ctx)  # records, development, transfers, floating members
    _duplicate_refusals(ctx)


def _duplicate_refusals(ctx: DemoContext) -> None:
    """The other village's secretary (cun2) once tried to add two of cun's members: the refusals
    stand on those members' histories (他人录入此号码被拒) and in the audit trail, with a preview."""
    from branches.audit import audit_record

    from .services import IMPORT_PREVIEWED, duplicate_ids_refused

    cun2, v1 = ctx.users.get("cun2"), ctx.account_orgs.get("cun")
    if cun2 is None or v1 is None:
        return
    ids = list(
        Member.objects.filter(organization__path__startswith=v1.path, status=MemberStatus.NORMAL)
        .order_by("pk")
        .values_list("pk", flat=True)[:2]
    )
    duplicate_ids_refused(actor=cun2, member_ids=ids)
    audit_record(actor=cun2, action=IMPORT_PREVIEWED, obj=cun2,
                 changes={"文件": "花名册.xlsx", "行数": 12, "新增": 0, "更新": 0, "错误": 2, "无法添加的号码": 2})  # fmt: skip


def _pioneer(ctx: DemoContext) -> None:
    """Last year's and this year's pioneer index for most members (coverage differs by township;
    the members of a 示范党支部 are nearly all rated, and rated high)."""
    from .services import pioneer_scheme_default, pioneer_scores_compute

    rng = ctx.rng
    rows = list(
        Member.objects.filter(status__in=[MemberStatus.NORMAL, MemberStatus.FLOATING])
        .values_list("pk", "organization__township_id", "organization_id")
        .order_by("pk")
    )
    # Last year: the branch assessment only (what most branches recorded); this year: all three parts.
    now = timezone.now()
    for year, base, parts in ((ctx.year - 1, 0.75, (Part.BRANCH,)), (ctx.year, 0.45, tuple(Part.values))):
        # Dues and attendance are kept here from this year on: last year's 按时参加组织生活、交纳党费
        # is the branch's rating, not a record count over months with no records (all 0).
        scheme = pioneer_scheme_default(year=year, from_records=year == ctx.year)
        keys = [str(i.pk) for i in scheme.indicators.all() if not i.is_veto]
        cover = {t.pk: min(1.0, base + rng.uniform(-0.2, 0.2)) for t in ctx.townships}
        entries = []
        for pk, town, org in rows:
            model = ctx.exemplary(org)  # 示范党支部: nearly everyone rated, a third and more 五星党员
            if rng.random() >= (0.98 if model else cover.get(town, base)):
                continue
            level = (
                rng.uniform(92, 100)
                if model
                else rng.uniform(50, 80)
                if ctx.struggling(org)
                else rng.uniform(62, 98)
            )
            for part in parts:
                values = {k: max(0, min(100, round(level + rng.uniform(-8, 8)))) for k in keys}
                entries.append(
                    (scheme.pk, pk, part, values, part == Part.BRANCH and rng.random() < 0.003, None, now)
                )
            if len(entries) >= 6000:
                bulk.insert_rows(PioneerEntry, _ENTRY_FIELDS, entries)
                entries.clear()
        bulk.insert_rows(PioneerEntry, _ENTRY_FIELDS, entries)
        n = pioneer_scores_compute(scheme=scheme)
        ctx.log(f"先锋指数（{year}）：{n} 名党员")


_ENTRY_FIELDS = ("scheme_id", "member_id", "part", "values", "vetoed", "entered_by_id", "entered_at")


def _care(ctx: DemoContext) -> None:
    rng = ctx.rng
    needy = list(
        Member.objects.filter(in_difficulty=True, status=MemberStatus.NORMAL).values_list("pk", flat=True)
    )
    visits, pays = [], []
    for pk in needy:
        for _k in range(rng.randint(0, 3)):
            visits.append(CareVisit(member_id=pk, visited_on=ctx.day_between(date(ctx.year, 1, 1)),
                                    visitor=_person(rng), notes=rng.choice(_VISIT_NOTES)))  # fmt: skip
        if rng.random() < 0.7:
            pays.append(CarePayment(member_id=pk, amount=rng.choice([300, 500, 800, 1000, 2000]),
                                    paid_on=ctx.day_between(date(ctx.year, 1, 1)),
                                    approver=_person(rng), notes="春节慰问" if rng.random() < 0.5 else "大病救助"))  # fmt: skip
    bulk.insert(CareVisit, visits)
    bulk.insert(CarePayment, pays)
    ctx.log(f"困难党员关爱：走访 {len(visits)} 次，关爱资金 {len(pays)} 笔")


_VISIT_NOTES = [
    "了解生活困难，送去米面油",
    "询问就医情况，协调医保报销",
    "帮助联系就业岗位",
    "节日慰问，宣讲惠民政策",
]


def build_dues(ctx: DemoContext) -> None:
    """党费: every current member's basis under the 2008 rule, and a year of monthly payments up to
    this month, most on time, some late (补交), some still unpaid — most of them in the latest months."""

    from .dues import FIXED_KINDS, DuesImport, DuesPayment, DuesProfile, PayerKind, PaymentSource
    from .dues_services import dues_rule_current, month_end

    rng = ctx.rng
    rule = dues_rule_current()
    village = {o.pk for o in ctx.leaves if o.domain == "village"}
    rows = list(
        Member.objects.filter(status__in=[MemberStatus.NORMAL, MemberStatus.FLOATING])
        .values_list("pk", "organization_id", "joined_on", "birth_date", "organization__township_id")
        .order_by("pk")
    )
    profiles, monthly = [], {}
    now = timezone.now()
    for pk, org, _joined, birth, _town in rows:
        age = ctx.year - birth.year
        r = rng.random()
        if age >= 60:
            kind = PayerKind.RETIRED if org not in village or r < 0.3 else PayerKind.FARMER
        elif age < 24 and r < 0.5:
            kind = PayerKind.STUDENT
        elif org in village and r < 0.75:
            kind = PayerKind.FARMER
        elif r < 0.03:
            kind = PayerKind.UNEMPLOYED
        else:
            kind = PayerKind.SALARIED
        base = fixed = None
        if kind in FIXED_KINDS:
            fixed = (
                Decimal(rng.choice(["0.20", "0.50", "1.00"])) if kind == PayerKind.FARMER else Decimal("0.20")
            )
        else:
            base = Decimal(
                rng.randrange(2200, 16000, 50)
                if kind == PayerKind.SALARIED
                else rng.randrange(2500, 8000, 50)
            )
        amount = rule.amount_for(kind, base, fixed)
        monthly[pk] = amount
        profiles.append((pk, kind, base, fixed, amount, rule.pk, now))
    bulk.insert_rows(DuesProfile, ("member_id", "kind", "base", "fixed_amount", "monthly", "rule_id", "updated_at"),
                     profiles)  # fmt: skip
    today = ctx.today
    # A year of dues up to this month (three months for a benchmark-scale city).
    n_months = 12 if ctx.members_target <= 20_000 else 3
    months = []
    m = today.replace(day=1)
    for _k in range(n_months):
        months.insert(0, m)
        m = (m - timedelta(days=1)).replace(day=1)
    unpaid_bias = {t.pk: rng.uniform(0.0, 0.08) for t in ctx.townships}
    batches = {m: DuesImport.objects.create(filename=f"{m:%Y年%m月}党费代扣流水.xlsx") for m in months}
    cols = ("member_id", "organization_id", "month", "amount", "due", "paid_on", "on_time", "source", "reference",
            "batch_id", "created_by_id", "created_at")  # fmt: skip
    out, total = [], 0
    for i, month in enumerate(months):
        end = month_end(month)
        # The newest months are the least complete: the unpaid list has the most names there.
        lag = 0.5 if i == len(months) - 1 else 0.15 if i == len(months) - 2 else 0.0
        for pk, org, joined, _b, town in rows:
            if joined > end or rng.random() < 0.04 + lag + unpaid_bias.get(town, 0):
                continue
            late = rng.random() < 0.08
            paid_on = (
                (end + timedelta(days=rng.randint(5, 60))) if late else month.replace(day=rng.randint(1, 28))
            )
            if paid_on > today:
                paid_on = today
            amount = monthly[pk] if rng.random() > 0.02 else monthly[pk] + Decimal(rng.choice([10, 50, 100]))
            src = rng.random()
            source = (
                PaymentSource.BANK
                if src < 0.55
                else PaymentSource.BRANCH
                if src < 0.95
                else PaymentSource.SINGLE
            )
            out.append((pk, org, month, amount, monthly[pk], paid_on, paid_on <= end, source,
                        f"DF{month:%Y%m}{pk:08d}" if source == PaymentSource.BANK else "",
                        batches[month].pk if source == PaymentSource.BANK else None, None, now))  # fmt: skip
            if len(out) >= 20_000:
                bulk.insert_rows(DuesPayment, cols, out)
                total += len(out)
                out.clear()
    bulk.insert_rows(DuesPayment, cols, out)
    total += len(out)
    for m, b in batches.items():
        agg = DuesPayment.objects.filter(batch=b).aggregate(n=models.Count("id"), s=models.Sum("amount"))
        DuesImport.objects.filter(pk=b.pk).update(rows=agg["n"] or 0, amount=agg["s"] or 0, imported_at=timezone.make_aware(
            timezone.datetime(m.year, m.month, 28, 10, 0)))  # fmt: skip
    ctx.log(f"党费：{len(profiles)} 名党员核定基数，{len(months)} 个月 {total} 笔交纳记录")


def build_cards(ctx: DemoContext) -> None:
    """党员证 for every current member (a few reissued after a loss), and check-ins: in the demo
    village's branches a 主题党日 last week with most members scanned in and one today with a few,
    so the secretary opens check-in on a live activity."""
    from branches.policy import SYSTEM
    from pilot.models import ActivityKind
    from pilot.services import activity_record

    from .cards import MemberCard
    from .cards_services import checkin_record

    rng = ctx.rng
    now = timezone.now()
    current = list(
        Member.objects.filter(status__in=[MemberStatus.NORMAL, MemberStatus.FLOATING]).values_list(
            "pk", flat=True
        )
    )
    rows = []
    for pk in current:
        lost = rng.random() < 0.01
        rows.append((pk, 2 if lost else 1, now, now if lost else None))
    bulk.insert_rows(MemberCard, ("member_id", "version", "issued_at", "revoked_at"), rows)
    village = ctx.account_orgs.get("cun") if hasattr(ctx, "account_orgs") else None
    units = [village] if village else ctx.leaves[:1]
    units += [u for u in ctx.units if u.level == "unit" and u not in units][:4]
    n = 0
    for unit in units:
        members = list(
            Member.objects.filter(organization__path__startswith=unit.path, status=MemberStatus.NORMAL)
            .select_related("organization").order_by("pk")
        )  # fmt: skip
        if not members:
            continue
        for held_on, share, topic in (
            (ctx.today - timedelta(days=7), 0.85, "重温入党誓词，学习党章"),
            (ctx.today, 0.2, "主题党日：志愿服务进社区"),
        ):
            act = activity_record(actor=SYSTEM, organization=unit, kind=ActivityKind.THEME_DAY, held_on=held_on,
                                  topic=topic)  # fmt: skip
            for m in members:
                if m.joined_on <= held_on and rng.random() < share:
                    checkin_record(
                        actor=SYSTEM,
                        activity=act,
                        member=m,
                        method="scan" if rng.random() < 0.9 else "manual",
                    )
                    n += 1
    ctx.log(f"党员证：{len(rows)} 张；扫码签到 {n} 人次")
