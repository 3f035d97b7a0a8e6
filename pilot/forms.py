"""Input parsing and validation for the pilot's forms."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import BranchType, Domain, Level, Organization

from .evidence import check_upload
from .models import (
    ActivityKind,
    Element,
    FundingRecord,
    Honor,
    HonorTarget,
    ProgressState,
    ReviewDecision,
    ServiceCenterProject,
)

MAX_FILES = 6


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _check_files(files, field_label) -> list:
    if len(files) > MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
    checked, errors = [], []
    for f in files:
        try:
            checked.append(check_upload(f))
        except ValidationError as e:
            errors.extend(e.messages)
    if errors:
        raise ValidationError(errors)
    return checked


class ReportForm(forms.Form):
    """进度报送. Done with a photo needs no typing (three taps from the home page); anything less
    than done needs a few words. Every refused file is named, so the page can keep the others."""

    state = forms.ChoiceField(label=_("完成情况"), choices=ProgressState.choices)
    percent = forms.IntegerField(
        label=_("完成进度（%）"), min_value=0, max_value=100, initial=0, required=False
    )
    photos = MultipleFileField(
        label=_("现场照片"), required=False,
        help_text=_("点击后直接用手机拍照；上传前会自动缩小。"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )  # fmt: skip
    narrative = forms.CharField(
        label=_("工作简述"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("几句话说清做了什么；已完成并附照片时可不填。"),
    )  # fmt: skip
    delay_reason = forms.CharField(label=_("延期原因"), max_length=300, required=False,
                                   help_text=_("超过截止日期报送时必填。"))  # fmt: skip
    evidence = MultipleFileField(
        label=_("其他佐证材料"), required=False,
        help_text=_("照片、PDF、Word、Excel，每个不超过 10 MB。"),
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}),
    )  # fmt: skip
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, late: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.late = late
        self.refused: list[str] = []  # names of the files refused, so the page can keep the others
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        if late:
            self.fields["delay_reason"].required = True

    def _checked(self, name: str) -> list:
        files = self.cleaned_data.get(name) or []
        checked, errors = [], []
        for f in files:
            try:
                checked.append(check_upload(f))
            except ValidationError as e:
                self.refused.append(getattr(f, "name", "") or "")
                errors.extend(e.messages)
        if errors:
            raise ValidationError(errors)
        return checked

    def clean_photos(self):
        return self._checked("photos")

    def clean_evidence(self):
        return self._checked("evidence")

    def clean(self):
        data = super().clean()
        files = (data.get("photos") or []) + (data.get("evidence") or [])
        if len(files) > MAX_FILES:
            raise ValidationError(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
        data["files"] = files
        if data.get("state") == ProgressState.DONE:
            data["percent"] = 100
        elif data.get("percent") is None and "percent" not in self.errors:
            data["percent"] = 0
        has_files = bool(files) or bool(self.refused)
        if not (data.get("narrative") or "").strip() and not (
            data.get("state") == ProgressState.DONE and has_files
        ):
            self.add_error("narrative", _("请写几句工作简述（已完成并附照片时可不填）。"))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结果"), choices=ReviewDecision.choices)
    reason = forms.CharField(label=_("退回原因"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == ReviewDecision.RETURN and not (data.get("reason") or "").strip():
            self.add_error("reason", _("退回时请填写退回原因。"))
        return data


class MatrixFilter(forms.Form):
    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    domain = forms.ChoiceField(
        label=_("领域"), choices=[("", _("全部领域"))] + Domain.choices, required=False
    )
    element = forms.ChoiceField(
        label=_("要素"), choices=[("", _("全部要素"))] + Element.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), ("pending", _("待报送")), ("submitted", _("待审核")),
                 ("returned", _("已退回")), ("accepted", _("已通过"))],
    )  # fmt: skip


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}))
    townships = forms.ModelMultipleChoiceField(
        label=_("按乡镇（街道）"), queryset=Organization.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("选中的乡镇（街道）及其下属全部基层党组织。"),
    )  # fmt: skip
    domains = forms.MultipleChoiceField(label=_("按领域"), choices=Domain.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)  # fmt: skip
    branch_types = forms.ModelMultipleChoiceField(
        label=_("按支部类型"),
        queryset=BranchType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_townships = forms.BooleanField(
        label=_("同时发给乡镇（街道）党委本身"), required=False, initial=True
    )
    attachments = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args, sender_org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.sender_org = sender_org
        self.fields["townships"].queryset = Organization.objects.filter(
            path__startswith=sender_org.path, level=Level.TOWNSHIP
        ).order_by("path")

    def clean_attachments(self):
        return _check_files(self.cleaned_data.get("attachments") or [], self.fields["attachments"].label)

    def recipients(self):
        """Units (and optionally townships) below the sender matching the chosen townships and domains."""
        data = self.cleaned_data
        qs = (
            Organization.objects.active()
            .filter(path__startswith=self.sender_org.path)
            .exclude(pk=self.sender_org.pk)
        )
        towns = list(data.get("townships") or [])
        if towns:
            q = Q()
            for t in towns:
                q |= Q(path__startswith=t.path)
            qs = qs.filter(q)
        levels = [Level.UNIT] + ([Level.TOWNSHIP] if data.get("include_townships") else [])
        qs = qs.filter(level__in=levels)
        if data.get("domains"):
            qs = qs.filter(Q(domain__in=data["domains"]) | Q(level=Level.TOWNSHIP))
        if data.get("branch_types"):
            qs = qs.filter(Q(branch_type__in=data["branch_types"]) | Q(level=Level.TOWNSHIP))
        return list(qs)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ActivityKind.choices)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("主题"), max_length=200)
    notes = forms.CharField(label=_("内容摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    attendees = forms.ModelMultipleChoiceField(
        label=_("参加党员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = roster


class MeasureForm(forms.Form):
    content = forms.CharField(label=_("措施"), max_length=300)
    owner = forms.CharField(label=_("责任人"), max_length=40, required=False)
    due_date = forms.DateField(
        label=_("完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("议题"), max_length=200)
    attendees = forms.CharField(label=_("参会人员"), max_length=300, required=False)
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(
        label=_("议定事项"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项：事项｜责任单位｜责任人｜完成时限（如：加快报送月度清单｜柏清镇党委｜张明｜2026-12-10）；"
                    "责任单位填组织名称或代码，留空为本级。交办的事项显示在责任单位首页，办结后消失。"),
    )  # fmt: skip

    def __init__(self, *args, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_decisions(self):
        from datetime import date as _date

        from .entry_services import resolve_assignee

        out, errors = [], []
        for n, line in enumerate((self.cleaned_data.get("decisions") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            if len(parts) == 3:  # 事项｜责任人｜完成时限: this level's own
                parts.insert(1, "")
            if len(parts) != 4 or not parts[0] or not parts[2]:
                errors.append(_("第 %(n)s 行：应为“事项｜责任单位｜责任人｜完成时限”。") % {"n": n})
                continue
            assignee = resolve_assignee(self.org, parts[1]) if self.org is not None else None
            if self.org is not None and assignee is None:
                errors.append(
                    _("第 %(n)s 行：责任单位“%(v)s”不在本级所辖范围内，或名称不唯一（可填组织代码）。")
                    % {"n": n, "v": parts[1]}
                )
                continue
            m = re.fullmatch(r"(\d{4})\D(\d{1,2})\D(\d{1,2})日?", parts[3])
            try:
                due = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except (AttributeError, ValueError):
                errors.append(
                    _("第 %(n)s 行：完成时限“%(v)s”不是有效日期（如 2023-07-10）。") % {"n": n, "v": parts[3]}
                )
                continue
            out.append((parts[0][:300], parts[2][:40], due, assignee))
        if errors:
            raise ValidationError(errors)
        return out


class _DateInputs:
    widgets = {
        f: forms.DateInput(attrs={"type": "date"})
        for f in ("completed_on", "awarded_on", "spent_on", "due_date")
    }


class CenterForm(forms.ModelForm):
    class Meta(_DateInputs):
        model = ServiceCenterProject
        fields = [
            "name",
            "kind",
            "is_new_build",
            "stage",
            "year",
            "budget",
            "spent",
            "area_m2",
            "completed_on",
        ]


class HonorForm(forms.ModelForm):
    class Meta(_DateInputs):
        model = Honor
        fields = ["level", "title", "issuer", "awarded_on"]


class HonorTargetForm(forms.ModelForm):
    class Meta:
        model = HonorTarget
        fields = ["year", "target_level", "title"]


class FundingForm(forms.ModelForm):
    class Meta(_DateInputs):
        model = FundingRecord
        fields = ["year", "category", "amount", "spent_on", "source", "note"]


# kind → (form, page title, list page)
RECORD_FORMS = {
    "center": (CenterForm, _("新增阵地建设项目"), "pilot:centers"),
    "honor": (HonorForm, _("登记所获荣誉"), "pilot:honors"),
    "honor_target": (HonorTargetForm, _("设定争创目标"), "pilot:honors"),
    "funding": (FundingForm, _("登记经费"), "pilot:funding"),
}


class PlanYearStartForm(forms.Form):
    """启动新年度: which year to copy from, the new year and its theme."""

    source = forms.TypedChoiceField(
        label=_("复制自"), coerce=int, help_text=_("复制该年度的目标、任务、指标体系和合格支部标准。")
    )
    year = forms.IntegerField(label=_("新年度"), min_value=2000, max_value=2100)
    theme = forms.CharField(label=_("年度主题"), max_length=60, help_text=_("如：质量提升年"))
    summary = forms.CharField(
        label=_("年度工作要点"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(y.year, f"{y.year} {y.theme}") for y in years]
