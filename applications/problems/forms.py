"""Forms of the problem desk: Chinese messages; the rules themselves are in services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.problems.models import ProblemChannel, Satisfaction
from portal.models import mobile_validator

REQUIRED = {"required": _("此项为必填项。")}


class FileForm(forms.Form):
    title = forms.CharField(label=_("反映事项"), max_length=200, error_messages=REQUIRED,
                            help_text=_("例如：办理食品经营许可时被要求提供清单外材料"))
    description = forms.CharField(label=_("问题描述"), max_length=5000, error_messages=REQUIRED,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("办事过程中遇到的堵点、难点，或办不成的原因"))
    related_case_number = forms.CharField(label=_("相关办件编号（如有）"), max_length=50, required=False)
    contact_name = forms.CharField(label=_("联系人姓名"), max_length=64, error_messages=REQUIRED)
    contact_mobile = forms.CharField(label=_("联系电话（手机）"), max_length=11, error_messages=REQUIRED,
                                     validators=[mobile_validator],
                                     help_text=_("用于答复和回访；查询进度时需输入手机号后4位"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_mobile"].widget.attrs.update({"autocomplete": "tel", "inputmode": "numeric"})


RECORD_CHANNELS = [(c.value, c.label) for c in ProblemChannel if c != ProblemChannel.ONLINE]


class RecordForm(FileForm):
    channel = forms.ChoiceField(label=_("反映渠道"), choices=RECORD_CHANNELS, error_messages=REQUIRED)
    work_order_number = forms.CharField(label=_("12345工单号"), max_length=40, required=False)

    field_order = ["channel", "work_order_number", "title", "description", "related_case_number", "contact_name",
                   "contact_mobile"]


class AssignForm(forms.Form):
    target = forms.ChoiceField(label=_("承办科室或部门"), error_messages=REQUIRED)
    days = forms.IntegerField(label=_("答复期限（工作日）"), min_value=1, max_value=60, error_messages=REQUIRED)
    note = forms.CharField(label=_("交办意见"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, sections=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("请选择"))] + [
            (_("本局科室"), [(f"s{s.pk}", s.name) for s in sections]),
            (_("部门"), [(f"d{d.pk}", d.name) for d in departments]),
        ]


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("答复内容"), max_length=5000, error_messages=REQUIRED,
                            widget=forms.Textarea(attrs={"rows": 4}))


class FollowUpForm(forms.Form):
    called_on = forms.DateField(label=_("回访日期"), error_messages={**REQUIRED, "invalid": _("请输入有效日期。")},
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("反映人意见"), max_length=2000, error_messages=REQUIRED,
                           widget=forms.Textarea(attrs={"rows": 3}))
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect,
                                     error_messages=REQUIRED)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("反映编号"), max_length=20, error_messages=REQUIRED)
    mobile_tail = forms.CharField(label=_("联系电话后4位"), min_length=4, max_length=4, error_messages={
        **REQUIRED, "min_length": _("请输入联系电话后4位。")})


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[
        ("open", _("办理中")), ("received", _("待交办")), ("coordinating", _("协调办理中")),
        ("overdue", _("逾期未答复")), ("replied", _("待回访")), ("done", _("已回访/办结")), ("all", _("全部"))])
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", _("全部渠道")), *ProblemChannel.choices])
    q = forms.CharField(label=_("编号、工单号或事项"), max_length=50, required=False)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"state": data.get("state") or "open", "channel": data.get("channel") or "",
                "q": (data.get("q") or "").strip()}
