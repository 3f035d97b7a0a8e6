"""Forms for records, development, transfers and floating members (input parsing only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Education, Gender
from .records import KINDS

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def record_form_class(kind: str):
    k = KINDS[kind]
    widgets = {
        f.name: _DATE
        for f in k.model._meta.fields
        if f.get_internal_type() == "DateField" and f.name in k.fields
    }
    return forms.modelform_factory(k.model, fields=list(k.fields), widgets=widgets)


class DevelopmentStartForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    resident_id = forms.CharField(label=_("公民身份号码"), max_length=30)
    gender = forms.ChoiceField(
        label=_("性别"), required=False, choices=[("", _("按身份号码判断"))] + list(Gender.choices)
    )
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族")
    education = forms.ChoiceField(
        label=_("学历"), required=False, choices=[("", "—")] + list(Education.choices)
    )
    phone = forms.CharField(label=_("手机号码"), max_length=11, required=False)
    work = forms.CharField(label=_("工作岗位"), max_length=60, required=False)
    organization = forms.ModelChoiceField(label=_("所在党组织"), queryset=None)
    applied_on = forms.DateField(label=_("递交入党申请书日期"), widget=_DATE)
    record = forms.CharField(label=_("记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class DevelopmentStepForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("日期"), widget=_DATE)
    people = forms.ModelMultipleChoiceField(
        label=_("相关党员"), required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )
    record = forms.CharField(label=_("记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    months = forms.IntegerField(
        label=_("延长时间（月）"), min_value=1, max_value=24, help_text=_("半年至一年：6–12 个月。")
    )

    def __init__(self, *args, people_qs=None, people_label=None, months=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not months:
            del self.fields["months"]
        if people_qs is None:
            del self.fields["people"]
        else:
            self.fields["people"].queryset = people_qs
            self.fields["people"].label = people_label


class StopForm(forms.Form):
    reason = forms.CharField(label=_("终止原因"), max_length=200)


class TransferStartForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("转接类型"), choices=[("within", _("市内转接")), ("out", _("转出本市（开具介绍信）"))]
    )
    to_org_code = forms.CharField(
        label=_("接收党组织"), max_length=120, required=False,
        help_text=_("市内转接：填写接收党组织的组织代码或全称。"),
    )  # fmt: skip
    to_org_name = forms.CharField(
        label=_("接收党组织（市外）"), max_length=120, required=False,
        help_text=_("转出本市：填写介绍信抬头的党组织全称。"),
    )  # fmt: skip
    reason = forms.CharField(label=_("转接原因"), max_length=100, initial=_("工作调动"))
    dues_paid_until = forms.RegexField(
        label=_("党费交至"), regex=r"^\d{4}-\d{2}$", required=False, help_text=_("如 2024-06"),
        error_messages={"invalid": _("请按 2024-06 的格式填写年月。")},
    )  # fmt: skip
    started_on = forms.DateField(label=_("发起日期"), widget=_DATE)
    valid_days = forms.IntegerField(
        label=_("介绍信有效期（天）"), min_value=1, max_value=90, initial=30, required=False
    )


class TransferInForm(forms.Form):
    """A letter from outside the city: what it carries, entered by the receiving unit."""

    from_org_name = forms.CharField(label=_("转出党组织（市外）"), max_length=120)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=40)
    to_org = forms.ModelChoiceField(label=_("接收党组织"), queryset=None)
    name = forms.CharField(label=_("姓名"), max_length=40)
    resident_id = forms.CharField(label=_("公民身份号码"), max_length=30)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族")
    category = forms.ChoiceField(
        label=_("党员类别"), choices=[("full", _("正式党员")), ("probationary", _("预备党员"))]
    )
    joined_on = forms.DateField(label=_("入党日期"), widget=_DATE)
    full_member_on = forms.DateField(label=_("转正日期"), widget=_DATE, required=False)
    dues_paid_until = forms.RegexField(label=_("党费交至"), regex=r"^\d{4}-\d{2}$", required=False,
                                       error_messages={"invalid": _("请按 2024-06 的格式填写年月。")})  # fmt: skip
    reason = forms.CharField(label=_("转接原因"), max_length=100, initial=_("工作调动"))
    started_on = forms.DateField(label=_("介绍信开具日期"), widget=_DATE)
    valid_until = forms.DateField(label=_("介绍信有效期至"), widget=_DATE, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = organizations


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("拒收原因"), max_length=200)


class ReceiptForm(forms.Form):
    returned_on = forms.DateField(label=_("回执退回日期"), widget=_DATE)


class FloatingOutForm(forms.Form):
    """流出登记, from the member's page."""

    place = forms.CharField(label=_("流向地"), max_length=100, help_text=_("如 广东省深圳市南山区"))
    work = forms.CharField(label=_("从事工作"), max_length=100, required=False)
    contact = forms.CharField(label=_("联系方式"), max_length=40)
    card_no = forms.CharField(label=_("流动党员活动证号码"), max_length=40, required=False)
    activity_org_name = forms.CharField(label=_("参加活动的党组织（流入地）"), max_length=120, required=False)
    started_on = forms.DateField(label=_("外出日期"), widget=_DATE)


class FloatingInForm(forms.Form):
    """流入登记: a member from elsewhere who joins our activities."""

    organization = forms.ModelChoiceField(label=_("参加活动的本地党组织"), queryset=None)
    name = forms.CharField(label=_("姓名"), max_length=40)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "—")] + list(Gender.choices), required=False)
    origin_org_name = forms.CharField(label=_("组织关系所在党组织"), max_length=120)
    place = forms.CharField(label=_("来源地"), max_length=100)
    work = forms.CharField(label=_("从事工作"), max_length=100, required=False)
    contact = forms.CharField(label=_("联系方式"), max_length=40)
    card_no = forms.CharField(label=_("流动党员活动证号码"), max_length=40, required=False)
    started_on = forms.DateField(label=_("流入日期"), widget=_DATE)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ContactForm(forms.Form):
    contacted_on = forms.DateField(label=_("联系日期"), widget=_DATE)
    way = forms.ChoiceField(label=_("联系方式"), choices=[("电话", _("电话")), ("微信", _("微信")), ("走访", _("走访")),
                                                          ("视频", _("视频"))])  # fmt: skip
    notes = forms.CharField(label=_("联系情况"), max_length=200, required=False)


class EndFloatingForm(forms.Form):
    ended_on = forms.DateField(label=_("返回（离开）日期"), widget=_DATE)
