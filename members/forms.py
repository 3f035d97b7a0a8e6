"""Input parsing and validation only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.policy import Action, allows, orgs_for

from . import importing, resident_id, rules
from .models import Category, Education, Gender, Member, MemberStatus

_DATE = forms.DateInput(attrs={"type": "date"})


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(
        attrs={"placeholder": _("姓名、手机号码或完整身份号码"), "type": "search"}))  # fmt: skip
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rid = forms.RegexField(regex=r"^[0-9a-f]{64}$", required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("current", _("在册（正常、流动）")), ("all", _("全部"))] + list(MemberStatus.choices),
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别"))] + list(Category.choices)
    )
    eid = forms.ChoiceField(
        label=_("电子身份认证"),
        required=False,
        choices=[("", _("不限")), ("yes", _("已认证")), ("no", _("未认证"))],
    )
    difficulty = forms.BooleanField(label=_("仅困难党员"), required=False)


class MemberForm(forms.ModelForm):
    resident_id = forms.CharField(label=_("公民身份号码"), max_length=30)
    # Room for "138 0000-0000": the rules normalize it, then ask for 11 digits.
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)

    class Meta:
        model = Member
        fields = [
            "name", "resident_id", "gender", "ethnicity", "education", "phone", "joined_on",
            "full_member_on", "category", "organization", "eid_authenticated", "in_difficulty",
        ]  # fmt: skip
        widgets = {"joined_on": _DATE, "full_member_on": _DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = orgs_for(user, Action.MANAGE).active().order_by("path")
        self.fields["gender"].required = False
        self.fields["gender"].help_text = _("可不填，按身份号码自动判断。")
        for (field, code), message in rules.FIELD_MESSAGES.items():
            self.fields[field].error_messages[code] = message
        self.masked_id = None
        if self.instance.pk:
            self.initial["resident_id"] = self.instance.resident_id
            if not allows(user, Action.VIEW_FULL_ID, self.instance.organization):
                # Roles that may not see the number get the masked form; leaving it keeps the number.
                self.masked_id = self.instance.resident_id_masked
                self.initial["resident_id"] = self.masked_id
                self.fields["resident_id"].help_text = _(
                    "已隐去中间位；不修改则保留原号码，如需更正请输入完整号码。"
                )

    def clean_resident_id(self):
        from django.core.exceptions import ValidationError

        if self.masked_id and self.cleaned_data["resident_id"].strip() == self.masked_id:
            return self.instance.resident_id
        try:
            rid, _birth, _g = resident_id.parse(self.cleaned_data["resident_id"])
        except ValidationError as e:
            raise forms.ValidationError(e.messages) from None
        return rid

    def clean_name(self):
        return rules.normalize_name(self.cleaned_data["name"])

    def clean_phone(self):
        return rules.normalize_phone(self.cleaned_data["phone"])

    def clean(self):
        """The roster rules (``members.rules``) on the fields that parsed, next to each field."""
        data = super().clean()
        rid = data.get("resident_id")
        id_birth, id_gender = resident_id.parse(rid)[1:] if rid else (None, None)
        fields = ("name", "gender", "ethnicity", "phone", "joined_on", "full_member_on")
        checked = {f: data[f] for f in fields if f in data}
        for field, message in rules.person_errors(checked, id_birth=id_birth, id_gender=id_gender).items():
            self.add_error(field, message)
        return data

    def cleaned_fields(self) -> dict:
        d = dict(self.cleaned_data)
        if not d.get("gender"):
            d["gender"] = resident_id.parse(d["resident_id"])[2]
        return d


class TransferForm(forms.Form):
    status = forms.ChoiceField(
        label=_("变更为"),
        # 流动 and 转出 are not here: they come from the floating and transfer flows only.
        choices=[(MemberStatus.LEFT, _("出党")), (MemberStatus.DECEASED, _("去世")), (MemberStatus.NORMAL, _("正常"))],
    )  # fmt: skip
    on = forms.DateField(label=_("日期"), widget=_DATE)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=_DATE)
    visitor = forms.CharField(label=_("走访人"), max_length=60)
    notes = forms.CharField(label=_("走访情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0.01, max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=_("发放日期"), widget=_DATE)
    approver = forms.CharField(label=_("审批人"), max_length=60)
    notes = forms.CharField(label=_("说明"), required=False, max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("花名册文件（.xlsx 或 .csv）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 和 .csv 文件（.xls 请先用 Excel 另存为 .xlsx）。"))
        if f.size > importing.MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件过大，请拆分后分批导入。"))
        return f


class PioneerRowForm(forms.Form):
    """One member's row in the branch grid: a 0–100 value per indicator and the veto box."""

    member_id = forms.IntegerField(widget=forms.HiddenInput)
    vetoed = forms.BooleanField(label=_("清零"), required=False)

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for i in indicators:
            self.fields[f"i{i.pk}"] = forms.IntegerField(
                label=i.name,
                min_value=0,
                max_value=100,
                required=True,
                error_messages={"required": _("请填写 0–100 的分数"), "min_value": _("不能小于 0"),
                                "max_value": _("不能大于 100"), "invalid": _("请填写整数")},
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100, "class": "grid-cell"}),
            )  # fmt: skip

    def values(self) -> dict:
        return {i.pk: self.cleaned_data[f"i{i.pk}"] for i in self.indicators}


GENDER_CHOICES = Gender.choices
EDUCATION_CHOICES = Education.choices
