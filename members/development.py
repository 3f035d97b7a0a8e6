"""发展党员: the 25 steps of the 中国共产党发展党员工作细则 (2014) and the rules between them, as data.

``STEPS`` lists the five stages (the 细则's chapters 2–6) and their 25 steps in order; ``RULES`` are
rule rows checked when a step is recorded (a step that breaks one is refused with the rule's
reason) and used to compute what is coming due. Steps marked ``above`` (备案, 预审, 派人谈话,
审批) belong to the Party committee above the unit and are recorded only by it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.audit import audit_record
from branches.models import Organization
from branches.policy import Action, allows, person, require

from . import resident_id, rules
from .crypto import blind_index
from .models import Category, Member
from .models_life import Development, DevelopmentStep, DevStage, DevStatus

# --- the 细则 as data ---------------------------------------------------------------------------

STAGES = (
    (1, gettext_lazy("入党申请")),
    (2, gettext_lazy("入党积极分子的确定和培养教育")),
    (3, gettext_lazy("发展对象的确定和考察")),
    (4, gettext_lazy("预备党员的接收")),
    (5, gettext_lazy("预备党员的教育、考察和转正")),
)


@dataclass(frozen=True)
class Step:
    number: int
    stage: int
    name: str
    above: bool = False  # done by the Party committee above (备案、预审、派人谈话、审批)
    people: str = ""  # "contact" 培养联系人 / "introducer" 入党介绍人
    becomes: str = ""  # the person's stage once this step is done
    follows: tuple[int, ...] = ()  # after which steps it may be recorded (default: the one before)
    months: bool = False  # the step records a period in months (延长时间)
    resumes: bool = False  # once done, the 25-step line continues where it was left
    ends: str = ""  # the record's status once this step is done


STEPS: tuple[Step, ...] = (
    Step(1, 1, gettext_lazy("递交入党申请书")),
    Step(2, 1, gettext_lazy("党组织派人谈话")),
    Step(3, 2, gettext_lazy("推荐和确定入党积极分子"), becomes=DevStage.ACTIVIST),
    Step(4, 2, gettext_lazy("上级党委备案"), above=True),
    Step(5, 2, gettext_lazy("指定培养联系人"), people="contact"),
    Step(6, 2, gettext_lazy("培养教育考察")),
    Step(7, 3, gettext_lazy("确定发展对象"), becomes=DevStage.CANDIDATE),
    Step(8, 3, gettext_lazy("报上级党委备案"), above=True),
    Step(9, 3, gettext_lazy("确定入党介绍人"), people="introducer"),
    Step(10, 3, gettext_lazy("进行政治审查")),
    Step(11, 3, gettext_lazy("开展集中培训")),
    Step(12, 4, gettext_lazy("支部委员会审查")),
    Step(13, 4, gettext_lazy("上级党委预审"), above=True),
    Step(14, 4, gettext_lazy("填写入党志愿书")),
    Step(15, 4, gettext_lazy("支部大会讨论")),
    Step(16, 4, gettext_lazy("上级党委派人谈话"), above=True),
    Step(17, 4, gettext_lazy("上级党委审批"), above=True, becomes=DevStage.PROBATIONARY),
    Step(18, 4, gettext_lazy("再上一级党委组织部门备案"), above=True),
    Step(19, 5, gettext_lazy("编入党支部和党小组")),
    Step(20, 5, gettext_lazy("入党宣誓")),
    Step(21, 5, gettext_lazy("继续教育考察")),
    Step(22, 5, gettext_lazy("提出转正申请")),
    Step(23, 5, gettext_lazy("支部大会讨论转正")),
    Step(24, 5, gettext_lazy("上级党委审批转正"), above=True, becomes=DevStage.FULL),
    Step(25, 5, gettext_lazy("材料归档")),
)
# 第三十二条: at the end of the probation the branch meeting may, instead of step 23, extend it once
# (by 6–12 months) or cancel the probationary membership; either takes the approval of the Party
# committee above (第三十三条). Off the 25-step line, numbered after it.
_PROBATION = (18, 19, 20, 21, 22)  # admitted (step 17) and not yet discussed for full membership
ALT_STEPS: tuple[Step, ...] = (
    Step(26, 5, gettext_lazy("支部大会讨论延长预备期"), follows=_PROBATION, months=True),
    Step(27, 5, gettext_lazy("上级党委批准延长预备期"), above=True, follows=(26,), resumes=True),
    Step(28, 5, gettext_lazy("支部大会讨论取消预备党员资格"), follows=_PROBATION),
    Step(
        29,
        5,
        gettext_lazy("上级党委批准取消预备党员资格"),
        above=True,
        follows=(28,),
        ends=DevStatus.CANCELLED,
    ),
)
STEP = {s.number: s for s in STEPS + ALT_STEPS}
LAST_STEP = STEPS[-1].number
EXTEND_STEP, EXTEND_APPROVED, CANCEL_APPROVED = 26, 27, 29
ADMISSION_STEP = 17  # 上级党委审批: the person becomes a probationary member of the roster
MEETING_STEP = 15  # 支部大会讨论: the probationary period counts from this day (细则 第三十条)
FULL_STEP = 24  # 上级党委审批转正


@dataclass(frozen=True)
class Rule:
    """A rule row. ``kind``:

    - ``min_age``: on the date of ``step`` the person is at least ``years`` old;
    - ``within``: ``step`` is done at most ``months``/``years`` after ``after``;
    - ``at_least``: ``step`` is done no earlier than ``months``/``years`` after ``after``;
    - ``people``: ``step`` names between ``min_people`` and ``max_people`` full members;
    - ``period``: ``step`` records between ``min_people`` and ``max_people`` months;
    - ``once``: ``step`` is done at most once.

    ``extended``: the limit counts the approved extension of the probation (step 27) too.

    ``due``: the limit is also a due date shown on the home pages while ``step`` is pending.
    """

    code: str
    kind: str
    step: int
    text: str
    article: str
    after: int = 0
    years: int = 0
    months: int = 0
    min_people: int = 0
    max_people: int = 0
    due: bool = False
    extended: bool = False


RULES: tuple[Rule, ...] = (
    Rule("age18", "min_age", 1, gettext_lazy("年满十八岁的中国公民方可申请入党"), "第二章第五条", years=18),
    Rule("talk_1m", "within", 2, gettext_lazy("党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话"),
         "第二章", after=1, months=1, due=True),
    Rule("contacts", "people", 5, gettext_lazy("党组织应当指定一至两名正式党员作入党积极分子的培养联系人"),
         "第二章", min_people=1, max_people=2),
    Rule("activist_1y", "at_least", 7, gettext_lazy("入党积极分子经过一年以上培养教育和考察，方可列为发展对象"),
         "第三章", after=3, years=1),
    Rule("introducers", "people", 9, gettext_lazy("发展对象应当有两名正式党员作入党介绍人"),
         "第三章", min_people=2, max_people=2),
    Rule("approve_3m", "within", 17, gettext_lazy("上级党委对支部大会通过接收的预备党员，应当在三个月内审批"),
         "第四章", after=15, months=3, due=True),
    Rule("probation_1y", "at_least", 23, gettext_lazy("预备党员的预备期为一年，预备期满党支部应当及时讨论其能否转正"),
         "第五章", after=15, years=1, due=True, extended=True),
    Rule("extend_at_end", "at_least", 26, gettext_lazy("预备期满时，需要继续考察和教育的，可以延长预备期"),
         "第五章第三十二条", after=15, years=1),
    Rule("extend_6_12m", "period", 26, gettext_lazy("延长预备期，延长时间不能少于半年，最长不超过一年"),
         "第五章第三十二条", min_people=6, max_people=12),
    Rule("extend_once", "once", 26, gettext_lazy("预备期只能延长一次"), "第五章第三十二条"),
    Rule("approve_full_3m", "within", 24, gettext_lazy("上级党委对党支部上报的预备党员转正决议，应当在三个月内审批"),
         "第五章", after=23, months=3, due=True),
)  # fmt: skip
RULES_FOR_STEP: dict[int, list[Rule]] = {}
for _r in RULES:
    RULES_FOR_STEP.setdefault(_r.step, []).append(_r)

DUE_SOON_DAYS = 30  # "coming due": within this many days


def add_period(d: date, *, years: int = 0, months: int = 0) -> date:
    """Calendar arithmetic: 2024-01-31 + 1 month = 2024-02-29; 2024-02-29 + 1 year = 2025-02-28."""
    total = d.month - 1 + months + 12 * years
    y, m = d.year + total // 12, total % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _limit(rule: Rule, done: dict[int, date], extension: int = 0) -> date | None:
    ref = done.get(rule.after)
    extra = extension if rule.extended else 0
    return add_period(ref, years=rule.years, months=rule.months + extra) if ref else None


def next_numbers(current_step: int, done) -> list[int]:
    """The steps that may be recorded next: the line's next one and the decisions off it."""
    return [s.number for s in STEP.values()
            if current_step in (s.follows or (s.number - 1,)) and s.number not in done]  # fmt: skip


def check_step(
    dev: Development, number: int, on: date, people: list[Member], done: dict[int, date], *, months=None,
    extension: int = 0,
) -> None:  # fmt: skip
    """Refuse a step that breaks a rule, with the rule's reason (``ValidationError``)."""
    step = STEP.get(number)
    if step is None:
        raise ValidationError(_("没有第 %(n)s 步。") % {"n": number})
    if dev.status != DevStatus.ACTIVE:
        raise ValidationError(_("该发展党员记录已%(s)s，不能再办理步骤。") % {"s": dev.get_status_display()})
    if (
        number in done
        and RULES_FOR_STEP.get(number)
        and any(r.kind == "once" for r in RULES_FOR_STEP[number])
    ):
        rule = next(r for r in RULES_FOR_STEP[number] if r.kind == "once")
        raise ValidationError(f"{rule.text}（《中国共产党发展党员工作细则》{rule.article}）。")
    if number not in next_numbers(dev.current_step, done):
        nxt = STEP.get(dev.current_step + 1)
        raise ValidationError(
            _("请按顺序办理：下一步是第 %(n)d 步“%(name)s”。") % {"n": nxt.number, "name": nxt.name}
            if nxt
            else _("25 个步骤已全部完成。")
        )
    if on > timezone.localdate():
        raise ValidationError({"done_on": _("日期不能晚于今天。")})
    last = max(done, key=lambda n: (done[n], n)) if done else None
    if last is not None and on < done[last]:
        raise ValidationError(
            {
                "done_on": _("日期不能早于上一步（第 %(n)d 步，%(d)s）。")
                % {"n": last, "d": f"{done[last]:%Y-%m-%d}"}
            }
        )
    for rule in RULES_FOR_STEP.get(number, ()):
        reason = f"{rule.text}（《中国共产党发展党员工作细则》{rule.article}）"
        if rule.kind == "min_age":
            turns = add_period(dev.birth_date, years=rule.years)
            if on < turns:
                raise ValidationError({"done_on": _("%(reason)s：出生于 %(b)s，%(on)s 时未满 %(y)d 周岁（%(t)s 年满）。") % {
                    "reason": reason, "b": f"{dev.birth_date:%Y-%m-%d}", "on": f"{on:%Y-%m-%d}", "y": rule.years,
                    "t": f"{turns:%Y-%m-%d}"}})  # fmt: skip
        elif rule.kind == "within":
            limit = _limit(rule, done, extension)
            if limit and on > limit:
                raise ValidationError({"done_on": _("%(reason)s：第 %(a)d 步在 %(ref)s，最迟应在 %(limit)s 前办理。") % {
                    "reason": reason, "a": rule.after, "ref": f"{done[rule.after]:%Y-%m-%d}",
                    "limit": f"{limit:%Y-%m-%d}"}})  # fmt: skip
        elif rule.kind == "at_least":
            limit = _limit(rule, done, extension)
            if limit and on < limit:
                raise ValidationError({"done_on": _("%(reason)s：第 %(a)d 步在 %(ref)s，最早应在 %(limit)s 办理。") % {
                    "reason": reason, "a": rule.after, "ref": f"{done[rule.after]:%Y-%m-%d}",
                    "limit": f"{limit:%Y-%m-%d}"}})  # fmt: skip
        elif rule.kind == "people":
            if not (rule.min_people <= len(people) <= rule.max_people):
                raise ValidationError({"people": f"{reason}。"})
            wrong = [p.name for p in people if p.category != Category.FULL or not p.is_current]
            if wrong:
                raise ValidationError({"people": _("%(reason)s：%(names)s 不是在册正式党员。") % {
                    "reason": reason, "names": "、".join(wrong)}})  # fmt: skip
        elif rule.kind == "period" and (months is None or not (rule.min_people <= months <= rule.max_people)):
            raise ValidationError({"months": _("%(reason)s：请填写 %(lo)d 至 %(hi)d 个月。") % {
                    "reason": reason, "lo": rule.min_people, "hi": rule.max_people}})  # fmt: skip


def next_due(done: dict[int, date], current_step: int, extension: int = 0) -> tuple[int | None, date | None]:
    """The earliest due date among pending steps whose rule has started counting."""
    best: tuple[int | None, date | None] = (None, None)
    for rule in RULES:
        if not rule.due or rule.step <= current_step or rule.step in done:
            continue
        limit = _limit(rule, done, extension)
        if limit and (best[1] is None or limit < best[1]):
            best = (rule.step, limit)
    return best


# --- services ---------------------------------------------------------------------------------


def _person_check(*, rid: str, gender: str | None, phone: str) -> tuple[str, date, str]:
    rid, birth, g = resident_id.parse(rid)
    errors = rules.person_errors({"gender": gender, "phone": phone}, id_birth=birth, id_gender=g)
    if errors:
        raise ValidationError(errors)
    return rid, birth, g


@transaction.atomic
def development_start(
    *, actor, organization: Organization, name: str, resident_id: str, applied_on: date,
    gender: str = "", ethnicity: str = "汉族", education: str = "", phone: str = "", work: str = "",
    record: str = "",
) -> Development:  # fmt: skip
    """递交入党申请书 (step 1): the person is entered once, with the resident ID validated."""
    require(actor, Action.MANAGE, organization)
    rid, birth, g = _person_check(rid=resident_id, gender=gender or None, phone=phone)
    h = blind_index(rid)
    if Development.objects.filter(resident_id_hash=h, status=DevStatus.ACTIVE).exists():
        raise ValidationError({"resident_id": _("此人已有正在进行的发展党员记录。")})
    if Member.objects.current().filter(resident_id_hash=h).exists():
        raise ValidationError({"resident_id": _("此人已是在册党员。")})
    dev = Development(
        name=name.strip(), gender=g, ethnicity=ethnicity or "汉族", resident_id=rid, birth_date=birth,
        education=education, phone=phone, work=work, organization=organization,
        created_by=person(actor),
    )  # fmt: skip
    dev.full_clean(exclude=["resident_id_hash"])
    check_step(dev, 1, applied_on, [], {})
    dev.save()
    audit_record(actor=actor, action="development.start", obj=dev, organization=organization,
                 changes={"姓名": [None, dev.name], "公民身份号码": [None, dev.resident_id_masked],
                          "递交入党申请书": [None, f"{applied_on:%Y-%m-%d}"]})  # fmt: skip
    _record(actor=actor, dev=dev, number=1, on=applied_on, people=[], record=record, done={})
    return dev


def next_steps(dev: Development) -> list[Step]:
    """What may be recorded next, the 25-step line's step first, then the decisions off it. One query."""
    if dev.status != DevStatus.ACTIVE:
        return []
    done = set(DevelopmentStep.objects.filter(development=dev).values_list("number", flat=True))
    return [STEP[n] for n in sorted(next_numbers(dev.current_step, done))]


def may_do_step(user, dev: Development, number: int) -> bool:
    step = STEP.get(number)
    if step is None:
        return False
    return allows(user, Action.REVIEW if step.above else Action.MANAGE, dev.organization)


def _done(dev: Development) -> tuple[dict[int, date], int]:
    """Steps done (number → date) and the approved extension of the probation in months."""
    rows = list(DevelopmentStep.objects.filter(development=dev).values_list("number", "done_on", "months"))
    done = {n: d for n, d, _m in rows}
    asked = next((m for n, _d, m in rows if n == EXTEND_STEP), None) or 0
    return done, asked if EXTEND_APPROVED in done else 0


def _record(*, actor, dev, number, on, people, record, done, months=None, extension=0) -> DevelopmentStep:
    step = DevelopmentStep.objects.create(development=dev, number=number, done_on=on, record=record,
                                          done_by=person(actor), months=months)  # fmt: skip
    if people:
        step.people.set(people)
    done = {**done, number: on}
    s = STEP[number]
    # Back on the 25-step line after an approved extension: where it was left (step 18–22).
    dev.current_step = max(n for n in done if n <= LAST_STEP) if s.resumes else number
    if s.becomes:
        dev.stage = s.becomes
    if number == LAST_STEP:
        dev.status = DevStatus.DONE
    if s.ends:
        dev.status = s.ends
    dev.due_step, dev.due_on = (
        next_due(done, dev.current_step, extension) if dev.status == DevStatus.ACTIVE else (None, None)
    )
    dev.save(update_fields=["current_step", "stage", "status", "due_step", "due_on", "updated_at", "member"])
    return step


@transaction.atomic
def development_step(
    *, actor, development: Development, number: int, done_on: date, people=(), record: str = "", months=None
) -> DevelopmentStep:
    """Record the next step. Refused (``ValidationError`` with the reason) when a rule is broken;
    403 when the step belongs to the level above and the actor is the unit."""
    dev = (
        Development.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=development.pk)
    )
    if not may_do_step(actor, dev, number):
        raise PermissionDenied
    people = list(people)
    done, extension = _done(dev)
    months = months if STEP.get(number) and STEP[number].months else None
    check_step(dev, number, done_on, people, done, months=months, extension=extension)
    if number == EXTEND_APPROVED:
        extension = DevelopmentStep.objects.get(development=dev, number=EXTEND_STEP).months
    if number == ADMISSION_STEP:
        dev.member = _admit(actor=actor, dev=dev, joined_on=done[MEETING_STEP])
    elif number == FULL_STEP and dev.member_id:
        # 党龄 from the end of the probation (党章第七条), an approved extension included.
        _make_full(actor=actor, dev=dev, full_on=add_period(done[MEETING_STEP], years=1, months=extension))
    elif number == CANCEL_APPROVED and dev.member_id:
        _cancel(actor=actor, dev=dev, on=done_on)
    step = _record(actor=actor, dev=dev, number=number, on=done_on, people=people, record=record, done=done,
                   months=months, extension=extension)  # fmt: skip
    changes = {f"第{number}步 {STEP[number].name}": [None, f"{done_on:%Y-%m-%d}"]}
    if months:
        changes["延长时间"] = [None, _("%(n)d 个月") % {"n": months}]
    if people:
        changes["相关党员"] = [None, "、".join(p.name for p in people)]
    audit_record(
        actor=actor, action="development.step", obj=dev, organization=dev.organization, changes=changes
    )
    development.__dict__.update(dev.__dict__)
    return step


def _admit(*, actor, dev: Development, joined_on: date) -> Member:
    """上级党委审批: the person joins the roster as a probationary member, from the data entered
    at the application (members services: resident ID, 18th birthday and uniqueness checks)."""
    from .services import member_create

    return member_create(
        actor=actor, name=dev.name, gender=dev.gender, ethnicity=dev.ethnicity, resident_id=dev.resident_id,
        birth_date=dev.birth_date, education=dev.education, phone=dev.phone, joined_on=joined_on,
        category=Category.PROBATIONARY, organization=dev.organization,
    )  # fmt: skip


def _make_full(*, actor, dev: Development, full_on: date) -> None:
    from .services import member_update

    member = Member.objects.select_related("organization").get(pk=dev.member_id)
    member_update(actor=actor, member=member, category=Category.FULL, full_member_on=full_on)


def _cancel(*, actor, dev: Development, on: date) -> None:
    """取消预备党员资格 approved: the person leaves the roster (not a disciplinary measure; until
    the approval they keep attending and paying dues)."""
    from .models import MemberStatus
    from .services import member_status_change

    member = Member.objects.select_related("organization").get(pk=dev.member_id)
    member_status_change(actor=actor, member=member, status=MemberStatus.LEFT, on=on)


@transaction.atomic
def development_stop(*, actor, development: Development, reason: str) -> Development:
    """终止培养 (e.g. the applicant withdraws): kept with its reason, no further steps."""
    require(actor, Action.MANAGE, development.organization)
    if development.status != DevStatus.ACTIVE:
        return development
    if not reason.strip():
        raise ValidationError({"reason": _("请填写终止原因。")})
    development.status, development.stop_reason = DevStatus.STOPPED, reason.strip()[:200]
    development.due_step = development.due_on = None
    development.save(update_fields=["status", "stop_reason", "due_step", "due_on", "updated_at"])
    audit_record(actor=actor, action="development.stop", obj=development,
                 organization=development.organization, changes={"终止原因": [None, development.stop_reason]})  # fmt: skip
    return development


# --- reads ------------------------------------------------------------------------------------


def development_get(*, user, development_id) -> Development:
    from branches.scoping import get_visible_or_404

    return get_visible_or_404(
        Development.objects.visible_to(user).select_related("organization", "member"), pk=development_id
    )


def due_list(*, user, today: date | None = None, limit: int = 20):
    """Steps coming due (within 30 days) and overdue in the user's subtrees: one query."""
    today = today or timezone.localdate()
    return list(
        Development.objects.visible_to(user)
        .filter(status=DevStatus.ACTIVE, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("organization")
        .order_by("due_on", "id")[:limit]
    )


def stage_counts(*, org_paths: list[str]) -> dict[str, dict[str, int]]:
    """Active developments per stage over each organization's subtree: one grouped query."""
    from .selectors import prefix_q

    out = {p: dict.fromkeys(DevStage.values, 0) for p in org_paths}
    if not org_paths:
        return out
    rows = (
        Development.objects.filter(prefix_q(org_paths, "organization__path"), status=DevStatus.ACTIVE)
        .values("organization__path", "stage")
        .annotate(n=Count("id"))
    )
    for r in rows:
        for p in org_paths:
            if r["organization__path"].startswith(p):
                out[p][r["stage"]] += r["n"]
    return out


def people_options(dev: Development):
    """Who can be named as 培养联系人 / 入党介绍人: current full members of the unit's subtree."""
    org = dev.organization
    # A branch inside a 党总支/村党委 may name members of the whole unit; never wider than the unit.
    parent = org.get_parent() if org.level == "branch" and org.depth > 1 else None
    unit = parent if parent is not None and parent.level == "unit" else org
    # The subtree's ids first (one pass over organizations), then the members by their
    # organization index: a path LIKE joined to 150,000 members made SQLite scan them all.
    subtree = Organization.objects.filter(path__startswith=unit.path).values("pk")
    return (
        Member.objects.current()
        .filter(category=Category.FULL, organization__in=subtree)
        .order_by("name", "id")
        .only("id", "name", "category", "status", "organization_id")
    )


def overdue_q(today: date) -> Q:
    return Q(status=DevStatus.ACTIVE, due_on__lt=today)
