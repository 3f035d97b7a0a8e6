"""Admin for a member's life beyond the roster (issue 11): repeatable records, 发展党员, transfers,
floating members, 党费 and member cards — shown to the department, never changed here.

Every one of these records has rules and an audit trail of its own in its services (the member
page's tabs, the development steps, the two sides of a transfer, the dues import …), so the
admin is read-only (``ReadOnlyAdminMixin``): one write path. Personal data stays masked as on the
pages — resident IDs and family members' names and work units are never listed in full, and
their encrypted columns are not in any form.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from branches.admin_mixins import ReadOnlyAdminMixin

from .cards import CheckIn, MemberCard
from .dues import DuesBand, DuesImport, DuesPayment, DuesProfile, DuesRule
from .models_floating import FloatingContact, FloatingRecord
from .models_life import (
    Development,
    DevelopmentStep,
    FamilyRecord,
    PositionRecord,
    RewardRecord,
    TrainingRecord,
    Transfer,
    TripRecord,
)


class _ReadOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Tables of a whole city (1.8 million dues rows a year): no COUNT(*) of the unfiltered table.
    show_full_result_count = False
    list_per_page = 50


class _RecordAdmin(_ReadOnly):
    raw_id_fields = ["member"]
    list_select_related = ["member", "member__organization"]
    search_fields = ["member__name"]

    @admin.display(description=_("党员"))
    def member_name(self, obj):
        return obj.member.name

    @admin.display(description=_("所在党组织"))
    def member_org(self, obj):
        return obj.member.organization.name


@admin.register(PositionRecord)
class PositionRecordAdmin(_RecordAdmin):
    list_display = ["member_name", "member_org", "title", "unit", "started_on", "ended_on"]


@admin.register(RewardRecord)
class RewardRecordAdmin(_RecordAdmin):
    list_display = ["member_name", "member_org", "kind", "name", "decided_on", "deciding_body", "document_no"]
    list_filter = ["kind"]


@admin.register(FamilyRecord)
class FamilyRecordAdmin(_RecordAdmin):
    """A third person's personal data: masked like on the member page without full-ID access."""

    list_display = ["member_name", "member_org", "relation", "masked_name", "birth_year", "political_status",
                    "masked_work_unit"]  # fmt: skip
    exclude = ["name", "work_unit"]
    readonly_fields = ["masked_name", "masked_work_unit"]

    @admin.display(description=_("姓名"))
    def masked_name(self, obj):
        return obj.name_masked

    @admin.display(description=_("工作单位及职务"))
    def masked_work_unit(self, obj):
        return obj.work_unit_masked


@admin.register(TrainingRecord)
class TrainingRecordAdmin(_RecordAdmin):
    list_display = ["member_name", "member_org", "name", "organizer", "started_on", "ended_on", "hours"]


@admin.register(TripRecord)
class TripRecordAdmin(_RecordAdmin):
    list_display = ["member_name", "member_org", "destination", "purpose", "left_on", "returned_on"]
    list_filter = ["purpose"]


class _MaskedIdMixin:
    exclude = ["resident_id", "resident_id_hash"]

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj):
        return obj.resident_id_masked


class DevelopmentStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DevelopmentStep
    fields = ["number", "done_on", "record", "done_by"]
    readonly_fields = fields
    extra = 0


@admin.register(Development)
class DevelopmentAdmin(_MaskedIdMixin, _ReadOnly):
    list_display = ["name", "masked_id", "organization", "stage", "status", "current_step", "due_on"]
    list_filter = ["stage", "status"]
    list_select_related = ["organization"]
    search_fields = ["name", "organization__code"]
    raw_id_fields = ["organization", "member"]
    readonly_fields = ["masked_id"]
    inlines = [DevelopmentStepInline]


@admin.register(Transfer)
class TransferAdmin(_MaskedIdMixin, _ReadOnly):
    list_display = ["name", "masked_id", "kind", "status", "from_org", "to_org", "started_on", "letter_no"]
    list_filter = ["kind", "status"]
    list_select_related = ["from_org", "to_org"]
    search_fields = ["name", "letter_no"]
    raw_id_fields = ["member", "from_org", "to_org"]
    readonly_fields = ["masked_id"]


class FloatingContactInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FloatingContact
    fields = ["contacted_on", "way", "notes"]
    readonly_fields = fields
    extra = 0


@admin.register(FloatingRecord)
class FloatingRecordAdmin(_ReadOnly):
    list_display = ["name", "direction", "organization", "place", "card_no", "started_on", "ended_on",
                    "last_contact_on"]  # fmt: skip
    list_filter = ["direction"]
    list_select_related = ["organization"]
    search_fields = ["name", "card_no"]
    raw_id_fields = ["organization", "member"]
    inlines = [FloatingContactInline]


class DuesBandInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DuesBand
    fields = ["kind", "upper", "percent", "fixed_min", "fixed_max", "article"]
    readonly_fields = fields
    extra = 0


@admin.register(DuesRule)
class DuesRuleAdmin(_ReadOnly):
    """A rule is replaced by a newer one, never edited in place (``dues_rule_current``)."""

    list_display = ["name", "document", "effective_from"]
    inlines = [DuesBandInline]


@admin.register(DuesProfile)
class DuesProfileAdmin(_ReadOnly):
    list_display = ["member", "kind", "base", "fixed_amount", "monthly", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["member"]
    raw_id_fields = ["member", "rule"]
    search_fields = ["member__name"]


@admin.register(DuesImport)
class DuesImportAdmin(_ReadOnly):
    list_display = ["filename", "rows", "amount", "imported_by", "imported_at"]
    list_select_related = ["imported_by"]


@admin.register(DuesPayment)
class DuesPaymentAdmin(_ReadOnly):
    list_display = ["member", "organization", "month", "amount", "due", "paid_on", "on_time", "source"]
    list_filter = ["source", "on_time"]
    list_select_related = ["member", "organization"]
    raw_id_fields = ["member", "organization", "batch"]
    search_fields = ["member__name", "reference"]


@admin.register(MemberCard)
class MemberCardAdmin(_ReadOnly):
    """Issuing and revoking a card (a new version invalidates old QR codes) is done on the card page."""

    list_display = ["member", "version", "issued_at", "revoked_at"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]


@admin.register(CheckIn)
class CheckInAdmin(_ReadOnly):
    list_display = ["member", "activity", "method", "checked_at"]
    list_filter = ["method"]
    list_select_related = ["member", "activity"]
    raw_id_fields = ["member", "activity"]
