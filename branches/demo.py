"""The demo city (示范市): a deterministic organization tree, branch types and demo accounts.

Built level by level with bulk inserts and materialized paths computed here, so the benchmark
city (``--orgs 5000``) is as quick to build as the small one. Other apps add their data in their
own ``demo.py`` (see ``branches.management.commands.demo_city``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from .models import BranchType, Domain, Level, Organization, OrgForm, RoleKind
from .services import role_grant

DEMO_PASSWORD = "demo-pass-2023"

BRANCH_TYPES = [
    # code, name, domain, links_villages
    ("village", "农村党支部", Domain.VILLAGE, False),
    ("community", "社区党支部", Domain.COMMUNITY, False),
    ("organ", "机关党支部", Domain.ORGAN, False),
    ("institution", "事业单位党支部", Domain.INSTITUTION, False),
    ("enterprise", "国有企业党支部", Domain.STATE_ENTERPRISE, False),
    ("two_new", "两新组织党支部", Domain.TWO_NEW, False),
    ("project", "工程支部", "", False),
    ("lianCun", "联村党委", Domain.VILLAGE, True),
    ("coop", "专业合作社支部", Domain.VILLAGE, False),
]

_SYL = list(
    "东西南北中青白金银龙凤安平和兴盛丰泰福康宁昌河山水石林桥溪湾塘岭坡洼湖川源泉柳杨桃李梅松竹"
    "杏枣槐榆柏花新古长高广永清明阳华光红绿云霞丹秀瑞祥顺富贵德仁义礼信忠孝诚"
)
_TOWN_SUFFIX = ["镇", "镇", "乡", "镇", "街道", "街道", "镇", "乡"]
_ORGANS = ["党政办", "财政所", "农业农村办", "司法所", "应急管理办", "社会事务办"]
_INSTITUTIONS = ["中心学校", "卫生院", "文化站", "农技站", "第一小学", "中学"]
_CITY_ORGANS = [
    "市发展改革委",
    "市教育局",
    "市财政局",
    "市民政局",
    "市农业农村局",
    "市卫健委",
    "市住建局",
    "市交通局",
]
_CITY_INSTITUTIONS = [
    "市第一人民医院",
    "市中心医院",
    "市第一中学",
    "市实验小学",
    "市职业技术学院",
    "市图书馆",
    "市疾控中心",
    "市广播电视台",
]
_ENTERPRISES = [
    "市城投集团",
    "市水务集团",
    "市交通投资集团",
    "市农业发展集团",
    "市文旅集团",
    "市供销集团",
    "市公交公司",
    "市燃气公司",
]
_TWO_NEW = [
    "科技有限公司",
    "农业开发有限公司",
    "食品有限公司",
    "建材有限公司",
    "电子商务有限公司",
    "物流有限公司",
    "律师事务所",
    "会计师事务所",
    "行业协会",
    "社会工作服务中心",
]


@dataclass
class DemoContext:
    """What every app's ``build(ctx)`` gets. ``today`` is the day the city lives on (Asia/Shanghai
    by default, ``--today`` for a fixed one); ``year`` is its year, the middle of the three-year
    pilot, which started ``plan_start`` = last year."""

    rng: random.Random
    seed: int
    year: int
    city: Organization
    today: date = field(default_factory=lambda: timezone.localdate())
    townships: list[Organization] = field(default_factory=list)
    units: list[Organization] = field(default_factory=list)
    leaves: list[Organization] = field(default_factory=list)
    users: dict = field(default_factory=dict)
    account_orgs: dict = field(default_factory=dict)  # username → the unit of its role
    members_target: int = 6000
    log: callable = print
    _exemplary: tuple | None = field(default=None, repr=False)

    @property
    def plan_start(self) -> int:
        return self.year - 1

    def months(self) -> list[date]:
        """First days of the months the city has lived in the pilot: from January of last year
        through the current month (13 to 24 months)."""
        return [date(y, m, 1) for y in (self.year - 1, self.year) for m in range(1, 13)
                if date(y, m, 1) <= self.today]  # fmt: skip

    def ended_quarters(self) -> list[str]:
        """The quarters of the pilot so far that have ended before today, oldest first."""
        current = (self.today.month - 1) // 3
        return [f"{y}Q{q + 1}" for y in (self.year - 1, self.year) for q in range(4)
                if y < self.year or q < current]  # fmt: skip

    def day_between(self, start: date, end: date | None = None) -> date:
        """A random day from ``start`` to ``end``, but never after today (``start`` if it is)."""
        end = min(end or self.today, self.today)
        start = min(start, end)
        return start + timedelta(days=self.rng.randrange(max((end - start).days, 0) + 1))

    def exemplary(self, org_id: int) -> bool:
        """示范党支部: about one 党支部 in twenty keeps every record a five-star branch needs —
        members nearly all e-ID authenticated and highly rated (先锋指数), every standard item met,
        organizational life every month, an innovation project — so the fortress index spreads
        over every star. Chosen by a hash of the seed and the path (no draw from ``rng``)."""
        return org_id in self._tiers()[0]

    def struggling(self, org_id: int) -> bool:
        """About one 党支部 in twenty lets things slide: fewer members authenticated and rated
        lower, standards half met, months without organizational life — the 后进 end of the spread."""
        return org_id in self._tiers()[1]

    def _tiers(self) -> tuple[set, set]:
        if self._exemplary is None:
            import hashlib

            tier = {
                # the path, not the id: ids differ between two builds on PostgreSQL (sequences
                # are not rolled back), and the same seed must give the same city
                o.pk: int(hashlib.sha256(f"{self.seed}:{o.path}".encode()).hexdigest()[:8], 16) % 20
                for o in self.leaves
                if o.org_form == OrgForm.BRANCH
            }
            self._exemplary = ({k for k, t in tier.items() if t == 0}, {k for k, t in tier.items() if t == 1})
        return self._exemplary

    def at(self, d: date, hour: int = 10) -> datetime:
        """An aware time on ``d`` — never later than this morning (no future timestamps)."""
        tz = timezone.get_current_timezone()
        return min(datetime.combine(d, time(hour), tz), datetime.combine(self.today, time(9), tz))


class _TreeBuilder:
    """Collects nodes with precomputed MP paths, then inserts them depth by depth."""

    def __init__(self):
        self.by_depth: dict[int, list[Organization]] = {}
        self.children: dict[int, int] = {}
        self._codes: set[str] = set()

    def _step(self, n: int) -> str:
        alphabet = Organization.alphabet
        s = ""
        while True:
            n, r = divmod(n, len(alphabet))
            s = alphabet[r] + s
            if n == 0:
                break
        return s.rjust(Organization.steplen, "0")

    def add(self, parent: Organization | None, **fields) -> Organization:
        key = id(parent)
        idx = self.children.get(key, 0) + 1
        self.children[key] = idx
        depth = 1 if parent is None else parent.depth + 1
        path = ("" if parent is None else parent.path) + self._step(idx)
        assert fields["code"] not in self._codes, fields["code"]
        self._codes.add(fields["code"])
        org = Organization(path=path, depth=depth, numchild=0, **fields)
        org._parent = parent
        if parent is not None:
            parent.numchild += 1
        org.term_ends_on = org.compute_term_end()
        self.by_depth.setdefault(depth, []).append(org)
        return org

    def save(self):
        for depth in sorted(self.by_depth):
            nodes = self.by_depth[depth]
            for o in nodes:
                p = o._parent
                if p is not None:
                    if p.level == Level.TOWNSHIP:
                        o.township_id = p.pk
                    else:
                        o.township_id = p.township_id
            Organization.objects.bulk_create(nodes, batch_size=1000)
            townships = [o for o in nodes if o.level == Level.TOWNSHIP]
            for t in townships:
                t.township_id = t.pk
            if townships:
                Organization.objects.bulk_update(townships, ["township"], batch_size=1000)


def _name(rng: random.Random, used: set[str], suffix: str) -> str:
    for _ in range(200):
        n = rng.choice(_SYL) + rng.choice(_SYL) + suffix
        if n not in used:
            used.add(n)
            return n
    n = f"{rng.choice(_SYL)}{len(used)}{suffix}"
    used.add(n)
    return n


def _election(rng: random.Random, term: int, today: date) -> date:
    """Spread terms so a few are overdue, some due within 90 days, most current."""
    r = rng.random()
    if r < 0.06:  # overdue
        ends = today - timedelta(days=rng.randint(5, 200))
    elif r < 0.18:  # due soon
        ends = today + timedelta(days=rng.randint(1, 89))
    else:
        ends = today + timedelta(days=rng.randint(120, 365 * term - 30))
    try:
        return ends.replace(year=ends.year - term)
    except ValueError:
        return ends.replace(year=ends.year - term, day=28)


def build_tree(
    *, rng: random.Random, orgs_target: int | None, log=print, today: date | None = None
) -> DemoContext:
    """The tree. With no target: 8 townships, 120 villages/communities, 40 organs, institutions and
    enterprises, 30 two-new organizations plus their branches (about 300 organizations)."""
    today = today or timezone.localdate()
    bt = {}
    for i, (code, name, domain, links) in enumerate(BRANCH_TYPES):
        bt[code], _ = BranchType.objects.get_or_create(
            code=code, defaults={"name": name, "domain": domain, "links_villages": links, "sort_order": i}
        )
    scale = max(1.0, (orgs_target or 300) / 300)
    n_town = max(8, round(8 * scale))
    tb = _TreeBuilder()
    used: set[str] = set()
    city = tb.add(None, code="SF", name="中共示范市委员会", short_name="示范市委", level=Level.CITY,
                  org_form=OrgForm.COMMITTEE, founded_on=date(1949, 10, 1), secretary_name="郑国栋")  # fmt: skip
    county_a = tb.add(
        city,
        code="SF01",
        name="中共示范县委员会",
        short_name="示范县委",
        level=Level.COUNTY,
        org_form=OrgForm.COMMITTEE,
    )
    county_b = tb.add(
        city,
        code="SF02",
        name="中共示范市城关区委员会",
        short_name="城关区委",
        level=Level.COUNTY,
        org_form=OrgForm.COMMITTEE,
    )
    organs_wc = tb.add(
        city,
        code="SF03",
        name="中共示范市直属机关工作委员会",
        short_name="市直机关工委",
        level=Level.COUNTY,
        org_form=OrgForm.WORKING_COMMITTEE,
    )
    two_new_wc = tb.add(
        city,
        code="SF04",
        name="中共示范市两新组织工作委员会",
        short_name="市两新工委",
        level=Level.COUNTY,
        org_form=OrgForm.WORKING_COMMITTEE,
    )

    units: list[Organization] = []
    leaves: list[Organization] = []
    townships: list[Organization] = []

    def unit(parent, code, name, domain, btype, big_p=0.3, term=5):
        big = rng.random() < big_p
        u = tb.add(parent, code=code, name=name, level=Level.UNIT, domain=domain,
                   org_form=OrgForm.GENERAL_BRANCH if big else OrgForm.BRANCH, branch_type=bt[btype],
                   secretary_name=_person(rng), founded_on=date(rng.randint(1950, 2015), rng.randint(1, 12), 1),
                   last_election_on=_election(rng, term, today), term_years=term)  # fmt: skip
        units.append(u)
        if big:
            for k in range(rng.randint(2, 3)):
                b = tb.add(u, code=f"{code}{k + 1:02d}", name=f"{name.removesuffix('党总支部').removesuffix('委员会')}第{'一二三四'[k]}党支部",
                           level=Level.BRANCH, domain=domain, org_form=OrgForm.BRANCH, branch_type=bt[btype],
                           secretary_name=_person(rng), last_election_on=_election(rng, term, today), term_years=term)  # fmt: skip
                leaves.append(b)
        else:
            leaves.append(u)
        return u

    for t in range(n_town):
        county = county_a if t % 2 == 0 else county_b
        suffix = _TOWN_SUFFIX[t % len(_TOWN_SUFFIX)]
        street = suffix == "街道"
        tname = _name(rng, used, suffix)
        tcode = f"{county.code}{t + 1:03d}"
        town = tb.add(county, code=tcode, name=f"中共{tname}委员会" if not street else f"中共{tname}工作委员会",
                      short_name=f"{tname}党委" if not street else f"{tname}党工委", level=Level.TOWNSHIP,
                      org_form=OrgForm.COMMITTEE if not street else OrgForm.WORKING_COMMITTEE,
                      secretary_name=_person(rng), last_election_on=_election(rng, 5, today), term_years=5)  # fmt: skip
        townships.append(town)
        for v in range(15):
            if street or (v % 5 == 4):
                nm = _name(rng, used, "社区")
                unit(town, f"{tcode}{v + 1:03d}", f"{tname}{nm}党支部", Domain.COMMUNITY, "community")
            else:
                nm = _name(rng, used, "村")
                unit(town, f"{tcode}{v + 1:03d}", f"{tname}{nm}党支部", Domain.VILLAGE, "village", big_p=0.25)
        # Two organs / institutions and two two-new organizations per township.
        unit(
            town,
            f"{tcode}J01",
            f"{tname}机关{rng.choice(_ORGANS)}党支部",
            Domain.ORGAN,
            "organ",
            big_p=0.0,
            term=3,
        )
        unit(
            town,
            f"{tcode}S01",
            f"{tname}{rng.choice(_INSTITUTIONS)}党支部",
            Domain.INSTITUTION,
            "institution",
            big_p=0.0,
            term=3,
        )
        for k in range(2):
            co = _name(rng, used, rng.choice(_TWO_NEW))
            unit(town, f"{tcode}L{k + 1:02d}", f"{co}党支部", Domain.TWO_NEW, "two_new", big_p=0.0, term=3)
    # City-level organs, institutions and enterprises (24) and two-new organizations (14), scaled.
    for i in range(round(24 * scale)):
        kind = i % 3
        base = [_CITY_ORGANS, _CITY_INSTITUTIONS, _ENTERPRISES][kind][i // 3 % 8]
        label = base if i < 24 else f"{base}（{i // 24 + 1}）"
        domain, btype = [
            (Domain.ORGAN, "organ"),
            (Domain.INSTITUTION, "institution"),
            (Domain.STATE_ENTERPRISE, "enterprise"),
        ][kind]
        parent = organs_wc
        unit(parent, f"SF03{i + 1:04d}", f"中共{label}{'机关' if kind == 0 else ''}委员会" if kind != 1 else f"中共{label}委员会",
             domain, btype, big_p=0.8, term=3)  # fmt: skip
    for i in range(round(14 * scale)):
        co = _name(rng, used, rng.choice(_TWO_NEW))
        unit(two_new_wc, f"SF04{i + 1:04d}", f"{co}党支部", Domain.TWO_NEW, "two_new", big_p=0.1, term=3)
    # A project branch on a construction site and a cooperative branch.
    proj = tb.add(townships[0], code=f"{townships[0].code}G01", name="示范大道改扩建工程临时党支部", level=Level.UNIT,
                  domain=Domain.STATE_ENTERPRISE, org_form=OrgForm.BRANCH, branch_type=bt["project"], secretary_name=_person(rng))  # fmt: skip
    units.append(proj)
    leaves.append(proj)
    tb.save()
    # 联村党委: one committee in the first township linked to three of its villages.
    t0_villages = [u for u in units if u.domain == Domain.VILLAGE and u.path.startswith(townships[0].path)][
        :3
    ]
    lian = Organization.objects.add_child(
        Organization.objects.get(code=townships[0].code),
        dict(code=f"{townships[0].code}LC1", name=f"{townships[0].short_name.removesuffix('党委')}联村党委", level=Level.UNIT,
        domain=Domain.VILLAGE, org_form=OrgForm.COMMITTEE, branch_type=bt["lianCun"], township_id=townships[0].pk,
        secretary_name=_person(rng), last_election_on=_election(rng, 5, today), term_years=5),
    )  # fmt: skip
    lian.linked_villages.set(t0_villages)
    units.append(lian)
    city.refresh_from_db()
    log(f"组织：{Organization.objects.count()} 个（乡镇街道 {len(townships)}，基层党组织 {len(units)}）")
    return DemoContext(rng=rng, seed=0, year=today.year, today=today, city=city, townships=townships,
                       units=units, leaves=leaves, log=log)  # fmt: skip


_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌宇浩凯鹏辉海燕梅琳雪婷晨欣怡佳琪子轩梓涵一诺浩然思远俊峰志强春生秋菊冬梅淑珍凤英德胜振华永红"
)
_RARE = list("堃玥昇瑄淼燚犇鑫垚喆婕珺琰璇")
_MINORITY = [("阿依古丽·买买提", "维吾尔族", "F"), ("艾尔肯·吐尔逊", "维吾尔族", "M"), ("巴特尔·额尔敦", "蒙古族", "M"),
             ("古丽娜尔·托合提", "维吾尔族", "F"), ("扎西·次仁", "藏族", "M"), ("卓玛·拉姆", "藏族", "F")]  # fmt: skip


def _person(rng: random.Random) -> str:
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    if rng.random() < 0.6:
        name += rng.choice(_RARE) if rng.random() < 0.03 else rng.choice(_GIVEN)
    return name


def build_accounts(ctx: DemoContext) -> None:
    """Stable demo accounts: shi, zhen, cun, cun2, ducha — all with DEMO_PASSWORD."""
    User = get_user_model()
    dept, _ = Group.objects.get_or_create(name="市委组织部")
    dept.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["branches", "members", "pilot", "assessments", "auth"]
        )
    )
    t1, t2 = ctx.townships[0], ctx.townships[1]
    v1 = next(
        u
        for u in ctx.units
        if u.path.startswith(t1.path) and u.domain == "village" and u.org_form == OrgForm.BRANCH
    )
    v2 = next(u for u in ctx.units if u.path.startswith(t2.path) and u.domain in ("village", "community"))
    ctx.account_orgs.update(zhen=t1, cun=v1, cun2=v2)

    def user(username, first_name, **extra):
        u = User(username=username, first_name=first_name, **extra)
        u.set_password(DEMO_PASSWORD)
        u.save()
        ctx.users[username] = u
        return u

    shi = user("shi", "组织部管理员", is_staff=True)
    shi.groups.add(dept)
    role_grant(
        actor=None,
        user=shi,
        organization=ctx.city,
        kind=RoleKind.CITY_ADMIN,
        can_export=True,
        can_view_full_id=True,
    )
    zhen = user("zhen", t1.secretary_name or "乡镇书记")
    role_grant(actor=None, user=zhen, organization=t1, kind=RoleKind.TOWNSHIP_SECRETARY, can_export=True)
    cun = user("cun", v1.secretary_name or "村书记")
    role_grant(actor=None, user=cun, organization=v1, kind=RoleKind.UNIT_SECRETARY, can_view_full_id=True)
    cun2 = user("cun2", v2.secretary_name or "村书记")
    role_grant(actor=None, user=cun2, organization=v2, kind=RoleKind.UNIT_SECRETARY, can_view_full_id=True)
    ducha = user("ducha", "督查组成员")
    t3 = ctx.townships[2]
    assigned = [u for u in ctx.units if u.path.startswith(t1.path)][1:4] + [
        u for u in ctx.units if u.path.startswith(t3.path)
    ][:3]
    for u in assigned:
        role_grant(actor=None, user=ducha, organization=u, kind=RoleKind.INSPECTOR)
    ctx.log(
        f"演示账号：shi / zhen（{t1.short_name}）/ cun（{v1.name}）/ cun2（{v2.name}）/ ducha，密码 {DEMO_PASSWORD}"
    )


def build(ctx: DemoContext) -> None:
    build_accounts(ctx)
