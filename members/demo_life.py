"""Demo rows for a member's life: records, people at every development stage, transfers in every
state, floating members. Called from ``members/demo.py``'s ``build`` after the roster exists.

Dates are relative to today, so the home pages always show steps coming due and overdue.
Development, transfers and floating members go through the services (the rules hold); records
are bulk-inserted (thousands of rows).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from branches.demo import DemoContext, _person
from branches.models import Role, RoleKind
from branches.policy import SYSTEM

from . import bulk
from .models import Member, MemberStatus
from .models_life import (
    FamilyRecord,
    PositionRecord,
    RewardKind,
    RewardRecord,
    TrainingRecord,
    TripRecord,
)
from .resident_id import make


def build(ctx: DemoContext) -> None:
    rng = random.Random(ctx.seed * 31 + 11)  # its own stream: other apps' demo data stay as they were
    today = ctx.today  # the day the demo city lives on (--today)
    _records(ctx, rng)
    _development(ctx, rng, today)
    _transfers(ctx, rng, today)
    _floating(ctx, rng, today)


def _secretary_orgs() -> dict[str, object]:
    roles = Role.objects.filter(user__username__in=["cun", "cun2", "zhen"]).select_related(
        "organization", "user"
    )
    return {r.user.username: r.organization for r in roles if r.kind != RoleKind.INSPECTOR}


# --- records -----------------------------------------------------------------------------------

_TITLES = [
    "党支部书记",
    "党支部副书记",
    "组织委员",
    "宣传委员",
    "纪检委员",
    "村委会主任",
    "村务监督委员会主任",
    "党小组长",
]
_REWARDS = [("优秀共产党员", "中共{t}委员会"), ("优秀党务工作者", "中共{t}委员会"), ("五星党员", "中共{t}委员会"),
            ("抗洪抢险先进个人", "{t}人民政府")]  # fmt: skip
_PUNISH = [("警告", "中共{t}纪律检查委员会"), ("严重警告", "中共{t}纪律检查委员会")]
_TRAININGS = [("基层党组织书记示范培训班", "市委组织部", 40), ("发展对象集中培训班", "{t}党委", 24),
              ("党员冬春训", "{t}党委", 16), ("乡村振兴带头人培训班", "市委党校", 32)]  # fmt: skip
_WORK = [
    "务农",
    "个体经营",
    "郑州市某物流公司职员",
    "县第一中学教师",
    "镇卫生院医生",
    "外出务工（建筑业）",
    "退休",
]
_PLACES = ["新加坡", "泰国", "日本", "马来西亚", "中国香港", "中国澳门"]


def _past(rng: random.Random, day: date, earliest: date, latest: date) -> date:
    """``day`` when it lies from ``earliest`` to ``latest`` (today, or the last day a record that
    lasts a while may start), otherwise a random day between them — no record is dated after today
    nor before the member joined."""
    if earliest <= day <= latest:
        return day
    if latest <= earliest:
        return latest
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _records(ctx: DemoContext, rng: random.Random) -> None:
    rows = list(
        Member.objects.filter(status__in=[MemberStatus.NORMAL, MemberStatus.FLOATING])
        .values_list("pk", "joined_on", "organization__name", "organization__township__short_name")
        .order_by("pk")
    )
    pos, rew, fam, tra, tri = [], [], [], [], []
    year, today = ctx.year, ctx.today
    for pk, joined, org_name, town in rows:
        town = (town or "示范市").removesuffix("党委")
        r = rng.random()
        if r < 0.25:
            start = _past(rng, date(rng.randint(max(joined.year, 2008), year), rng.randint(1, 12), rng.randint(1, 28)),
                          max(joined, date(2008, 1, 1)), today)  # fmt: skip
            ended = start + timedelta(days=rng.randint(400, 1800)) if rng.random() < 0.4 else None
            pos.append(PositionRecord(member_id=pk, title=rng.choice(_TITLES), unit=org_name, started_on=start,
                                      ended_on=ended if ended and ended <= today else None))  # fmt: skip
        if r < 0.12:
            name, body = rng.choice(_PUNISH if rng.random() < 0.08 else _REWARDS)
            kind = RewardKind.PUNISHMENT if (name, body) in _PUNISH else RewardKind.REWARD
            on = _past(rng, date(rng.randint(max(joined.year, 2010), year), rng.choice([1, 6, 7, 12]), rng.randint(1, 28)),
                       max(joined, date(2010, 1, 1)), today)  # fmt: skip
            prefix = "纪" if kind == RewardKind.PUNISHMENT else "党"
            rew.append(RewardRecord(member_id=pk, kind=kind, name=name, decided_on=on, deciding_body=body.format(t=town),
                                    document_no=f"{town[:1]}{prefix}〔{on.year}〕{rng.randint(1, 60)}号",
                                    reason="" if kind == RewardKind.REWARD else "违反工作纪律"))  # fmt: skip
        if r < 0.30:
            for rel in rng.sample(["spouse", "son", "daughter", "father", "mother"], rng.randint(1, 3)):
                fam.append(FamilyRecord(member_id=pk, relation=rel, name=_person(rng), birth_year=rng.randint(1950, 2015),
                                        political_status=rng.choice(["masses", "masses", "league", "member"]),
                                        work_unit=rng.choice(_WORK)))  # fmt: skip
        if r < 0.35:
            name, org, hours = rng.choice(_TRAININGS)
            s = _past(rng, date(rng.randint(2019, year), rng.randint(1, 12), rng.randint(1, 25)), date(2019, 1, 1),
                      today - timedelta(days=hours // 8))  # fmt: skip
            tra.append(TrainingRecord(member_id=pk, name=name, organizer=org.format(t=town), started_on=s,
                                      ended_on=s + timedelta(days=hours // 8), hours=hours))  # fmt: skip
        if r < 0.02:
            s = _past(rng, date(rng.randint(2016, year), rng.randint(1, 12), rng.randint(1, 20)), date(2016, 1, 1),
                      today - timedelta(days=15))  # fmt: skip
            tri.append(TripRecord(member_id=pk, destination=rng.choice(_PLACES), purpose=rng.choice(["official", "private"]),
                                  detail=rng.choice(["考察学习", "探亲", "旅游"]), left_on=s,
                                  returned_on=s + timedelta(days=rng.randint(3, 15))))  # fmt: skip
    for model, objs in ((PositionRecord, pos), (RewardRecord, rew), (FamilyRecord, fam), (TrainingRecord, tra),
                        (TripRecord, tri)):  # fmt: skip
        bulk.insert(model, objs, batch_size=2000)  # executemany on SQLite: bulk_create costs ~200 µs a row
    ctx.log(
        f"党员信息：职务 {len(pos)}、奖惩 {len(rew)}、家庭成员 {len(fam)}、培训 {len(tra)}、出国（境）{len(tri)} 条"
    )


# --- 发展党员 -------------------------------------------------------------------------------------

# Days after the application on which each step is done (a path that keeps every rule).
_OFFSET = {1: 0, 2: 15, 3: 40, 4: 45, 5: 45, 6: 220}
_OFFSET.update({7: 40 + 375, 8: 420, 9: 425, 10: 435, 11: 445, 12: 475, 13: 485, 14: 495, 15: 515, 16: 525})
_OFFSET.update({17: 575, 18: 585, 19: 587, 20: 595, 21: 715, 22: 860, 23: 885, 24: 925, 25: 935})

# (last step done, days since it) — every stage, with steps coming due and overdue.
_PROFILES = [
    (1, 10),  # applicant, talk due within the month
    (1, 45),  # applicant, talk overdue
    (4, 30),  # activist, 备案 done
    (6, 60),  # activist, being trained
    (11, 10),  # candidate after training
    (16, 65),  # candidate, 上级党委审批 due within weeks (level above)
    (16, 100),  # candidate, 上级党委审批 overdue (level above)
    (21, 30),  # probationary
    (22, 15),  # probationary, 转正 discussion coming due
    (25, 60),  # full member: all 25 steps
]


def _dev_id(i: int, birth: date, male: bool) -> str:
    """The i-th applicant's resident ID: distinct for every i whatever the birth dates (an area
    code per 500 applicants, two sequence numbers each — the gender digit takes the second)."""
    area = ("410108", "410185", "410184", "410225")[i // 500 % 4]
    return make(area, birth, 2 * (i % 500), male)


def _development(ctx: DemoContext, rng: random.Random, today: date) -> None:
    from .development import STEP, development_start, development_step, development_stop, people_options

    orgs = _secretary_orgs()
    targets = []
    for key in ("cun", "cun2"):
        if key in orgs:
            targets += [(orgs[key], p) for p in _PROFILES]
    used = {o.pk for o, _p in targets}
    for t in ctx.townships:
        leaves = [u for u in ctx.leaves if u.township_id == t.pk and u.pk not in used][:2]
        for leaf in leaves:
            targets += [(leaf, p) for p in rng.sample(_PROFILES, 3)]
    n = stopped = 0
    for i, (org, (last, since)) in enumerate(targets):
        applied = today - timedelta(days=_OFFSET[last] + since)
        male = rng.random() < 0.6
        birth = date(rng.randint(1992, 2003), rng.randint(1, 12), rng.randint(1, 28))
        dev = development_start(actor=SYSTEM, organization=org, name=_person(rng), resident_id=_dev_id(i, birth, male),
                                applied_on=applied, phone=f"13{rng.randrange(10**9):09d}", work=rng.choice(_WORK[:6]),
                                education=rng.choice(["senior", "college", "bachelor"]),
                                record="本人递交入党申请书")  # fmt: skip
        contact = introducers = None
        for step in range(2, last + 1):
            people = []
            if STEP[step].people:
                options = list(people_options(dev)[:3])
                if STEP[step].people == "contact":
                    contact = options[:1]
                    people = contact
                else:
                    introducers = options[:2]
                    people = introducers
                if len(people) < (1 if STEP[step].people == "contact" else 2):
                    break
            development_step(actor=SYSTEM, development=dev, number=step, done_on=applied + timedelta(days=_OFFSET[step]),
                             people=people, record=_RECORD.get(step, ""))  # fmt: skip
        n += 1
        if i % 17 == 5 and dev.current_step < 17:
            development_stop(actor=SYSTEM, development=dev, reason="本人申请撤回入党申请")
            stopped += 1
    ctx.log(f"发展党员：{n} 人（各阶段，含到期与逾期步骤；终止 {stopped} 人）")
    _development_decisions(orgs, today, start=len(targets))


# 预备期满的其他决定 (细则第三十二条), at 甲一村 and the second village: (main steps walked, then
# (step, days after the application, months)); dates keep every rule and end before today.
_DECISIONS = [
    (22, 920, [(26, 881, 6), (27, 891, None)]),  # extended 6 months and approved: 转正 due later
    (22, 890, [(26, 885, 12)]),  # extension decided, the approval above pending
    (21, 775, [(28, 725, None), (29, 740, None)]),  # probationary membership cancelled
]


def _development_decisions(orgs: dict, today: date, *, start: int) -> None:
    from .development import STEP, development_start, development_step, people_options

    rng = random.Random(32)  # its own: the rest of the demo city is unchanged by these rows
    i = start
    for key in ("cun", "cun2"):
        if key not in orgs:
            continue
        for last, age, extra in _DECISIONS:
            applied = today - timedelta(days=age)
            birth = date(rng.randint(1992, 2003), rng.randint(1, 12), rng.randint(1, 28))
            dev = development_start(actor=SYSTEM, organization=orgs[key], name=_person(rng),
                                    resident_id=_dev_id(i, birth, True), applied_on=applied,
                                    phone=f"13{rng.randrange(10**9):09d}", record="本人递交入党申请书")  # fmt: skip
            i += 1
            walked = True
            for step in range(2, last + 1):
                people = []
                if STEP[step].people:
                    need = 1 if STEP[step].people == "contact" else 2
                    people = list(people_options(dev)[:need])
                    if len(people) < need:  # a small city's village may have too few full members
                        walked = False
                        break
                development_step(actor=SYSTEM, development=dev, number=step, people=people,
                                 done_on=applied + timedelta(days=_OFFSET[step]), record=_RECORD.get(step, ""))  # fmt: skip
            for step, days, months in extra if walked else []:
                development_step(actor=SYSTEM, development=dev, number=step, months=months,
                                 done_on=applied + timedelta(days=days), record=_RECORD.get(step, ""))  # fmt: skip


_RECORD = {
    26: "支部大会表决通过：需继续考察教育，延长预备期",
    28: "支部大会表决通过：不具备党员条件，取消预备党员资格",
    2: "支部书记与本人谈话，了解入党动机",
    3: "经党员推荐、支部委员会研究确定",
    6: "每季度考察一次，思想汇报按时提交",
    10: "政治审查合格",
    11: "参加镇党委集中培训 3 天，结业",
    15: "应到会有表决权党员全部到会，全票通过",
    20: "在支部主题党日上入党宣誓",
    23: "支部大会讨论，同意按期转正",
}


# --- 组织关系转接 ----------------------------------------------------------------------------------


def _transfers(ctx: DemoContext, rng: random.Random, today: date) -> None:
    """Transfers in every state, several touching the demo secretaries' units (both directions)."""
    from . import transfers as tr

    orgs = _secretary_orgs()
    cun, cun2 = orgs.get("cun"), orgs.get("cun2")
    others = [u for u in ctx.leaves if u.pk not in {getattr(cun, "pk", None), getattr(cun2, "pk", None)}]
    pool = {}

    def member_of(org):
        q = pool.setdefault(org.pk, list(Member.objects.filter(organization=org, status=MemberStatus.NORMAL)
                                         .order_by("pk")[:12]))  # fmt: skip
        return q.pop() if q else None

    def start(frm, kind, days_ago, to=None, to_name="", valid=30):
        m = member_of(frm)
        if m is None:
            return None
        return tr.transfer_start(actor=SYSTEM, member=m, kind=kind, reason=rng.choice(_REASONS),
                                 started_on=today - timedelta(days=days_ago), to_org=to, to_org_name=to_name,
                                 dues_paid_until=f"{(today - timedelta(days=days_ago + 20)):%Y-%m}", valid_days=valid)  # fmt: skip

    plan = []
    if cun and cun2:
        plan += [
            ("pending", cun, cun2), ("pending", cun2, cun), ("accepted", cun, others[0]), ("refused", others[1], cun),
            ("cancelled", cun, others[2]), ("accepted", others[3], cun2),
        ]  # fmt: skip
    for _k in range(6):
        a, b = rng.sample(others, 2)
        plan.append((rng.choice(["pending", "accepted", "accepted", "refused"]), a, b))
    n = 0
    for i, (state, frm, to) in enumerate(plan):
        t = start(frm, "within", 3 + 7 * i, to=to)
        if t is None:
            continue
        n += 1
        if state == "accepted":
            tr.transfer_accept(actor=SYSTEM, transfer=t, on=t.started_on + timedelta(days=2))
        elif state == "refused":
            tr.transfer_refuse(actor=SYSTEM, transfer=t, reason="经核实，该同志不在本单位工作")
        elif state == "cancelled":
            tr.transfer_cancel(actor=SYSTEM, transfer=t)
    # Out of the city: a letter within its validity, one past it with no receipt, one receipt back.
    for frm, days, returned in ((cun, 5, None), (cun, 50, None), (cun2, 40, 25), (others[4], 90, 70)):
        if frm is None:
            continue
        t = start(frm, "out", days, to_name=rng.choice(_OUTSIDE))
        if t is not None:
            n += 1
            if returned:
                tr.transfer_receipt(actor=SYSTEM, transfer=t, returned_on=today - timedelta(days=returned))
    # From outside: one letter waiting at cun's unit, one accepted.
    for i, (to, accept) in enumerate(((cun, False), (cun2, True), (others[5], True))):
        if to is None:
            continue
        birth = date(rng.randint(1970, 1998), rng.randint(1, 12), rng.randint(1, 28))
        t = tr.transfer_in_register(
            actor=SYSTEM, to_org=to, from_org_name=rng.choice(_OUTSIDE), letter_no=f"{today.year}外{i + 1:03d}",
            name=_person(rng), resident_id=make("330102", birth, 200 + i, rng.random() < 0.5), ethnicity="汉族",
            category="full", joined_on=date(birth.year + 22, 7, 1), full_member_on=date(birth.year + 23, 7, 1),
            reason="返乡创业", started_on=today - timedelta(days=10 + i), valid_until=today + timedelta(days=20),
        )  # fmt: skip
        n += 1
        if accept:
            tr.transfer_accept(actor=SYSTEM, transfer=t)
    ctx.log(f"组织关系转接：{n} 件（待接收、已接收、已拒收、已撤回、介绍信待回执、回执已退回、市外转入）")


_REASONS = ["工作调动", "迁居", "考入高校", "退休返乡", "单位改制"]
_OUTSIDE = ["中共杭州市西湖区某街道工作委员会", "中共深圳市南山区某社区委员会", "中共某大学委员会组织部",
            "中共苏州工业园区某公司委员会"]  # fmt: skip


# --- 流动党员 ------------------------------------------------------------------------------------

_CITIES = [
    "广东省深圳市南山区",
    "浙江省杭州市余杭区",
    "江苏省苏州市工业园区",
    "上海市浦东新区",
    "北京市朝阳区",
]
_JOBS = ["电子厂技术员", "建筑工地施工员", "快递员", "个体餐饮", "网约车司机", "外贸公司业务员"]


def _floating(ctx: DemoContext, rng: random.Random, today: date) -> None:
    """Outflow from the status 流动 members (most, with contacts; some not contacted for months),
    inflow at a few units; one ended record."""
    from . import floating as fl
    from .services import member_status_change

    orgs = _secretary_orgs()
    # The roster demo marks ~4 % as 流动 without a record: give each a record (status back to 正常
    # first, the service sets 流动 again with the record).
    floating_members = list(Member.objects.filter(status=MemberStatus.FLOATING).select_related("organization")
                            .order_by("pk")[:120])  # fmt: skip
    n_out = n_in = 0
    for i, m in enumerate(floating_members):
        member_status_change(
            actor=SYSTEM, member=m, status=MemberStatus.NORMAL, on=today - timedelta(days=400)
        )
        started = today - timedelta(days=rng.randint(40, 700))
        r = fl.floating_out_start(actor=SYSTEM, member=m, place=rng.choice(_CITIES), work=rng.choice(_JOBS),
                                  contact=m.phone or f"13{rng.randrange(10**9):09d}",
                                  card_no=f"流{started.year}-{i + 1:04d}" if rng.random() < 0.8 else "",
                                  activity_org_name=f"中共{rng.choice(_CITIES)}流动党员党支部" if rng.random() < 0.7 else "",
                                  started_on=started)  # fmt: skip
        n_out += 1
        if rng.random() < 0.7:  # the rest: no contact since they left (reminders on the home pages)
            for _k in range(rng.randint(1, 3)):
                on = min(today, started + timedelta(days=rng.randint(10, (today - started).days)))
                if (today - on).days < 100 or rng.random() < 0.5:
                    fl.floating_contact_add(actor=SYSTEM, record=r, contacted_on=on, way=rng.choice(["电话", "微信", "视频"]),
                                            notes=rng.choice(["工作稳定，按时交纳党费", "参加流入地支部主题党日", "春节返乡见面"]))  # fmt: skip
    # The demo secretaries' units: one outflow each not contacted for months, one inflow each.
    for key in ("cun", "cun2"):
        org = orgs.get(key)
        if org is None:
            continue
        m = Member.objects.filter(organization=org, status=MemberStatus.NORMAL).order_by("-pk").first()
        if m is not None:
            fl.floating_out_start(actor=SYSTEM, member=m, place="广东省东莞市", work="模具厂工人", contact=m.phone or "13800000000",
                                  card_no="粤流-0099", started_on=today - timedelta(days=150))  # fmt: skip
            n_out += 1
        r = fl.floating_in_start(actor=SYSTEM, organization=org, name=_person(rng), gender="M", place="安徽省阜阳市",
                                 work="蔬菜大棚承包", contact=f"13{rng.randrange(10**9):09d}", card_no="皖流-0321",
                                 origin_org_name="中共阜阳市某村党支部", started_on=today - timedelta(days=200))  # fmt: skip
        fl.floating_contact_add(actor=SYSTEM, record=r, contacted_on=today - timedelta(days=20), way="走访",
                                notes="参加本村主题党日")  # fmt: skip
        n_in += 1
    for leaf in rng.sample(ctx.leaves, min(6, len(ctx.leaves))):
        fl.floating_in_start(actor=SYSTEM, organization=leaf, name=_person(rng), place=rng.choice(["河南省周口市", "四川省南充市"]),
                             work=rng.choice(_JOBS), contact=f"13{rng.randrange(10**9):09d}", origin_org_name="外地某村党支部",
                             started_on=today - timedelta(days=rng.randint(30, 300)))  # fmt: skip
        n_in += 1
    if floating_members:
        r = fl.FloatingRecord.objects.filter(member=floating_members[0]).first()
        if r is not None:
            fl.floating_end(actor=SYSTEM, record=r, ended_on=today - timedelta(days=5))
    ctx.log(f"流动党员：流出 {n_out} 人，流入 {n_in} 人（含超过三个月未联系）")
