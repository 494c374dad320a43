"""Forms of the officers' pages (queues, the case page's stage actions, extensions). They only parse and check
the shape of the input; every rule of the workflow (stage, section, four-way separation, the legal clock) is
the service's, which answers in Chinese."""
from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from approvals.cases.models import Inspection, Stage, Suspension
from portal.forms import BoundedDateField, IdentifierField
from portal.validators import check_citizen_id, check_credit_code

QUEUE_CHOICES = [
    ("review", _("审查")),
    ("inspection", _("现场勘验")),
    ("legal_review", _("法制审核")),
    ("decision", _("决定（出证）")),
]
SCOPE_CHOICES = [("all", _("全部")), ("waiting", _("待认领")), ("mine", _("我认领的"))]
COLOUR_CHOICES = [("", _("全部")), ("0", _("红色预警")), ("1", _("黄色预警")), ("2", _("正常"))]

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("环节"), choices=QUEUE_CHOICES, required=False)
    scope = forms.ChoiceField(label=_("范围"), choices=SCOPE_CHOICES, required=False)
    colour = forms.ChoiceField(label=_("预警"), choices=COLOUR_CHOICES, required=False)
    q = forms.CharField(label=_("办件编号 / 事项 / 申请人"), max_length=60, required=False)

    def filters(self, default_stage: str) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        colour = data.get("colour")
        return {
            "stage": data.get("stage") or default_stage,
            "mine": data.get("scope") == "mine",
            "waiting": data.get("scope") == "waiting",
            "colour": int(colour) if colour not in (None, "") else None,
            "query": (data.get("q") or "").strip(),
        }


    def fields_html(self):
        """The three filter fields as Django renders them (label, then the control), built here in one pass:
        the widget templates (an include per option) cost more than the whole table of a queue page."""
        parts = []
        for name in ("scope", "colour"):
            chosen = str(self[name].value() or "")
            options = format_html_join("", '<option value="{}"{}>{}</option>',
                                       ((value, mark_safe(" selected") if str(value) == chosen else "", label)
                                        for value, label in self.fields[name].choices))
            parts.append(format_html('<div class="field"><label for="id_{0}">{1}{2}</label><select name="{0}" '
                                     'id="id_{0}">{3}</select></div>', name, self.fields[name].label,
                                     self.label_suffix, options))
        value = self["q"].value()
        parts.append(format_html('<div class="field wide"><label for="id_q">{}{}</label><input type="text" name="q"{} '
                                 'maxlength="{}" id="id_q"></div>', self.fields["q"].label, self.label_suffix,
                                 format_html(' value="{}"', value) if value else "", self.fields["q"].max_length))
        return mark_safe("".join(parts))


class VersionForm(forms.Form):
    """Every action on a case carries the version the officer saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class TakeNextForm(forms.Form):
    stage = forms.ChoiceField(choices=QUEUE_CHOICES)


class ReviewForm(VersionForm):
    opinion = forms.CharField(label=_("审查意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              error_messages={"required": _("请填写审查意见。")})
    needs_inspection = forms.BooleanField(label=_("需要现场勘验"), required=False,
                                          help_text=_("事项本身要求勘验的，无论是否勾选都将转入勘验环节。"))


class ScheduleInspectionForm(forms.Form):
    scheduled_on = BoundedDateField(label=_("勘验日期"), earliest_days=0, latest_days=366,
                                    error_messages={"required": _("请选择勘验日期。"), "invalid": _("日期格式不正确。")})
    place = forms.CharField(label=_("勘验地点"), max_length=200, error_messages={"required": _("请填写勘验地点。")})
    inspectors = forms.MultipleChoiceField(label=_("勘验人员（至少两名）"), widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": _("请选择勘验人员。"),
                                                           "invalid_choice": _("所选勘验人员不可选。")})
    others = forms.MultipleChoiceField(label=_("合并勘验：同一现场的其他案件"), widget=forms.CheckboxSelectMultiple,
                                       required=False, error_messages={"invalid_choice": _("所选案件不能合并勘验。")})

    def __init__(self, *args, inspectors=(), others=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].choices = [(str(u.pk), str(u)) for u in inspectors]
        self.fields["others"].choices = [(str(c.pk), f"{c.application.case_number} · {c.item_version.name}")
                                         for c in others]

    def clean_inspectors(self):
        chosen = self.cleaned_data["inspectors"]
        if len(set(chosen)) < 2:
            raise forms.ValidationError(_("现场勘验应当指派两名以上工作人员（《中华人民共和国行政许可法》第三十四条）。"))
        return [int(pk) for pk in chosen]

    def clean_others(self):
        return [int(pk) for pk in self.cleaned_data["others"]]


class ReinspectionForm(forms.Form):
    scheduled_on = BoundedDateField(label=_("复查日期"), earliest_days=0, latest_days=366,
                                    error_messages={"required": _("请选择复查日期。"), "invalid": _("日期格式不正确。")})
    place = forms.CharField(label=_("复查地点（不填则同原地点）"), max_length=200, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf,.mp4,.mov"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class InspectionResultForm(forms.Form):
    outcome = forms.ChoiceField(label=_("勘验结论"), choices=Inspection.Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": _("请选择勘验结论。")})
    findings = forms.CharField(label=_("勘验情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                               error_messages={"required": _("请填写勘验情况。")})
    rectify_deadline = BoundedDateField(label=_("整改期限（限期整改时必填）"), earliest_days=1, latest_days=365,
                                        required=False, error_messages={"invalid": _("日期格式不正确。")})
    evidence = MultipleFileField(label=_("现场照片 / 视频"), required=False,
                                 help_text=_("JPEG、PNG、PDF 照片或 MP4、MOV 视频，可多选。"))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Inspection.Outcome.RECTIFY and not data.get("rectify_deadline"):
            self.add_error("rectify_deadline", _("限期整改须指定整改期限。"))
        return data


class CosignForm(forms.Form):
    """The other inspector's answer to a recorded result: confirm it (会签) or return it with a comment (退回)."""
    decision = forms.ChoiceField(label=_("会签意见"), choices=[("cosign", _("会签确认")), ("return", _("退回记录人"))],
                                 widget=forms.RadioSelect, error_messages={"required": _("请选择会签或退回。")})
    comment = forms.CharField(label=_("退回意见（退回时必填）"), widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("退回须写明意见。"))
        return data


class LegalReviewForm(VersionForm):
    result = forms.ChoiceField(label=_("审核结论"), choices=[("approve", _("审核通过")), ("return", _("退回修改"))],
                               widget=forms.RadioSelect, error_messages={"required": _("请选择审核结论。")})
    proposed_outcome = forms.ChoiceField(label=_("退回时建议改为"), required=False,
                                         choices=[("", _("（不建议改变决定）")), ("approve", _("建议准予许可")),
                                                  ("deny", _("建议不予许可"))])
    comments = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                               required=False)

    def clean(self):
        data = super().clean()
        if data.get("result") == "return" and not (data.get("comments") or "").strip():
            self.add_error("comments", _("退回须写明审核意见。"))
        if data.get("result") == "approve" and data.get("proposed_outcome"):
            self.add_error("proposed_outcome", _("建议改变决定时请选择“退回修改”。"))
        return data


# The licence catalogue's holder id types (DOMAIN.md, "Identifiers"): shown by name, stored by code.
HOLDER_ID_TYPES = [("", _("（未填写）")), ("111", _("居民身份证")), ("001", _("统一社会信用代码"))]


class DecisionForm(VersionForm):
    result = forms.ChoiceField(label=_("决定"), choices=[("approve", _("准予许可")), ("deny", _("不予许可"))],
                               widget=forms.RadioSelect, error_messages={"required": _("请选择准予或不予许可。")})
    opinion = forms.CharField(label=_("决定意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                              required=False)
    certificate_name = forms.CharField(label=_("证照名称"), max_length=100, required=False)
    holder_name = forms.CharField(label=_("持证主体"), max_length=200, required=False)
    holder_id_type = forms.ChoiceField(label=_("持证主体证件类型"), required=False, choices=HOLDER_ID_TYPES)
    holder_id_number = IdentifierField(label=_("持证主体证件号码"), required=False)
    scope = forms.CharField(label=_("许可范围"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    valid_from = forms.DateField(label=_("有效期自"), widget=DATE_INPUT, required=False,
                                 error_messages={"invalid": _("日期格式不正确。")})
    valid_until = forms.DateField(label=_("有效期至（不填为长期）"), widget=DATE_INPUT, required=False,
                                  error_messages={"invalid": _("日期格式不正确。")})
    reasons = forms.CharField(label=_("不予许可的理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=4000)

    CERTIFICATE_FIELDS = ("certificate_name", "holder_name", "holder_id_type", "holder_id_number", "scope",
                          "valid_from", "valid_until")

    def clean(self):
        data = super().clean()
        if data.get("result") == "approve":
            if not (data.get("holder_name") or "").strip():
                self.add_error("holder_name", _("请填写持证主体。"))
            number = data.get("holder_id_number")
            if number:
                check = check_citizen_id if data.get("holder_id_type") == "111" else check_credit_code
                try:
                    check(number)
                except forms.ValidationError as exc:
                    self.add_error("holder_id_number", exc)
            if not data.get("valid_from"):
                self.add_error("valid_from", _("请填写有效期起始日。"))
            if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
                self.add_error("valid_until", _("证照有效期截止日不能早于起始日。"))
        elif data.get("result") == "deny" and not (data.get("reasons") or "").strip():
            self.add_error("reasons", _("不予许可须说明理由。"))
        return data

    def certificate(self) -> dict:
        return {key: self.cleaned_data.get(key) for key in self.CERTIFICATE_FIELDS}


SEND_BACK_CHOICES = [(Stage.REVIEW.value, _("退回审查")), (Stage.INSPECTION.value, _("退回现场勘验")),
                     (Stage.LEGAL_REVIEW.value, _("退回法制审核"))]


class SendBackForm(VersionForm):
    to_stage = forms.ChoiceField(label=_("退回到"), choices=SEND_BACK_CHOICES,
                                 error_messages={"required": _("请选择退回的环节。")})
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             error_messages={"required": _("退回须写明理由。")})

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["to_stage"].choices = [c for c in SEND_BACK_CHOICES if c[0] in targets]


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             error_messages={"required": _("请写明延期理由。")})


class ExtensionDecisionForm(forms.Form):
    result = forms.ChoiceField(choices=[("approve", _("批准")), ("refuse", _("不予批准"))],
                               error_messages={"required": _("请选择批准或不予批准。")})
    opinion = forms.CharField(label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                              required=False)

    def clean(self):
        data = super().clean()
        if data.get("result") == "refuse" and not (data.get("opinion") or "").strip():
            self.add_error("opinion", _("不予批准须写明意见。"))
        return data


class SuspendForm(forms.Form):
    kind = forms.ChoiceField(label=_("特别程序"), choices=Suspension.Kind.choices,
                             error_messages={"required": _("请选择特别程序的类型。")})
    reason = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             error_messages={"required": _("请写明中止计时的事由。")})
    start = forms.DateField(label=_("起始日（不填为今天）"), widget=DATE_INPUT, required=False,
                            error_messages={"invalid": _("日期格式不正确。")})
    expected_end = forms.DateField(label=_("预计结束日"), widget=DATE_INPUT, required=False,
                                   error_messages={"invalid": _("日期格式不正确。")})


class ResumeForm(forms.Form):
    end = forms.DateField(label=_("结束日（不填为今天）"), widget=DATE_INPUT, required=False,
                          error_messages={"invalid": _("日期格式不正确。")})


class TerminateForm(VersionForm):
    reason = forms.CharField(label=_("终止理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             error_messages={"required": _("终止办理须写明理由。")})
