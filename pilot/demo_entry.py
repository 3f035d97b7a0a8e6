"""Demo: what the demo accounts enter themselves, living around today — the village secretary's
collective income for this year waiting for the township's confirmation, a decision of the city's
weekly meeting assigned to the village, a brand draft with a typical case, and a few ratings of
the pocketbook from the QR link."""

from __future__ import annotations

from datetime import timedelta

from . import entry_services as entry
from .models import Brand, CollectiveIncome, Commitment, MeetingDecision, WeeklyMeeting


def build(ctx, year: int) -> None:
    from branches.models import Domain

    unit, cun = ctx.account_orgs.get("cun"), ctx.users.get("cun")
    if unit is None or cun is None or unit.domain != Domain.VILLAGE:
        return
    # 集体经济: this year's figure reported by the village, not yet confirmed by the township
    CollectiveIncome.objects.filter(organization=unit, year=year).delete()
    entry.income_report(
        actor=cun, organization=unit, year=year, income="11.60", note="光伏发电、村集体门面出租"
    )
    # 例会: the city's latest meeting assigns one item to the village, due in five days
    meeting = WeeklyMeeting.objects.filter(organization=ctx.city).order_by("-held_on").first()
    if meeting is not None:
        MeetingDecision.objects.create(meeting=meeting, organization=unit, content=f"{unit.short_name or unit.name}补齐近三个月主题党日会议记录",
                                       owner=unit.secretary_name or "村党组织书记", due_date=ctx.today + timedelta(days=5))  # fmt: skip
    # 品牌: a draft written by the village, waiting for the township to publish it
    if not Brand.objects.filter(organization=unit).exists():
        b = entry.brand_save(actor=cun, organization=unit, name="初心小院", kind="village", concept="小院议事、大事共商",
                             theory="坚持和发展新时代“枫桥经验”", method="每月一次院坝会，党员包片联户",
                             vehicle="党员议事小院", vision="矛盾不上交、服务不缺位")  # fmt: skip
        entry.brand_case_add(actor=cun, brand=b, title="一次院坝会化解了三年的宅基地纠纷",
                             body="在党员议事小院，两户村民当着乡亲的面把话说开，村党组织现场调解、现场签字。")  # fmt: skip
    # 口袋书: ratings from the QR link (three phones) on the village's first commitment
    first = Commitment.objects.filter(organization=unit, year=year).order_by("id").first()
    if first is not None:
        for k, rating in enumerate(["satisfied", "satisfied", "basic"]):
            entry.commitment_rate(commitment=first, device=f"demo-pb-{k}", rater="public", rating=rating)
