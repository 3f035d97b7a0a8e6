"""django-import-export resource for members.

The admin's export uses it (resident IDs masked, cells escaped by ``LoggedImportExportMixin``).
Imports — portal, admin and shell — go through ``members.importing`` instead, which validates
every rule of the roster and is an order of magnitude faster; this resource's import path is
kept as the peer the benchmark measures (``bench/members_import.py``).
"""

from import_export import fields, resources, widgets

from branches.models import Organization

from . import resident_id
from .crypto import blind_index
from .models import Category, Education, Gender, Member, MemberStatus


class ChoiceLabelWidget(widgets.Widget):
    """Chinese labels in the file, stored values in the database."""

    def __init__(self, choices, default=""):
        self.to_value = {str(label): value for value, label in choices}
        self.to_label = {value: str(label) for value, label in choices}
        self.default = default

    def clean(self, value, row=None, **kwargs):
        value = (str(value).strip() if value is not None else "") or ""
        return self.to_value.get(value, value or self.default)

    def render(self, value, obj=None, **kwargs):
        return self.to_label.get(value, value or "")


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return str(value).strip() in ("是", "已认证", "1", "True")

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class MemberResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="姓名")
    gender = fields.Field(attribute="gender", column_name="性别", widget=ChoiceLabelWidget(Gender.choices))
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
    resident_id = fields.Field(attribute="resident_id", column_name="公民身份号码")
    resident_id_hash = fields.Field(attribute="resident_id_hash", column_name="_hash")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget())
    education = fields.Field(
        attribute="education", column_name="学历", widget=ChoiceLabelWidget(Education.choices)
    )
    phone = fields.Field(attribute="phone", column_name="手机号码")
    joined_on = fields.Field(attribute="joined_on", column_name="入党日期", widget=widgets.DateWidget())
    full_member_on = fields.Field(
        attribute="full_member_on", column_name="转正日期", widget=widgets.DateWidget()
    )
    category = fields.Field(
        attribute="category",
        column_name="党员类别",
        widget=ChoiceLabelWidget(Category.choices, Category.FULL),
    )
    organization = fields.Field(
        attribute="organization",
        column_name="党组织代码",
        widget=widgets.ForeignKeyWidget(Organization, "code"),
    )
    eid_authenticated = fields.Field(
        attribute="eid_authenticated", column_name="电子身份认证", widget=YesNoWidget()
    )
    status = fields.Field(
        attribute="status",
        column_name="党员状态",
        widget=ChoiceLabelWidget(MemberStatus.choices, MemberStatus.NORMAL),
    )

    class Meta:
        model = Member
        import_id_fields = ("resident_id_hash",)
        fields = (
            "name", "gender", "ethnicity", "resident_id", "resident_id_hash", "birth_date", "education",
            "phone", "joined_on", "full_member_on", "category", "organization", "eid_authenticated", "status",
        )  # fmt: skip
        export_order = fields
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True

    def get_export_fields(self, selected_fields=None):
        return [f for f in super().get_export_fields(selected_fields) if f.column_name != "_hash"]

    def before_import(self, dataset, **kwargs):
        if "_hash" not in dataset.headers:
            i = dataset.headers.index("公民身份号码")
            dataset.append_col([blind_index(resident_id.normalize(r[i])) for r in dataset], header="_hash")

    def dehydrate_resident_id(self, member):
        return resident_id.mask(member.resident_id)

    def dehydrate_organization(self, member):
        return member.organization.code

    def get_queryset(self):
        return Member.objects.select_related("organization")
