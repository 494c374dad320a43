"""Forms of the department user's pages (validation messages in Chinese; the services check again)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from supervision.models import Handoff, SupervisionRecord


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("结果类型"), choices=SupervisionRecord.Kind.choices)
    summary = forms.CharField(label=_("结果说明"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    document_number = forms.CharField(label=_("决定文书编号"), required=False, max_length=80,
                                      help_text=_("暂扣、撤销许可或承诺不实时必填，例如 宝市监罚〔2026〕12号"))

    def __init__(self, *args, handoff: Handoff | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = SupervisionRecord.Kind.choices
        if handoff is not None and handoff.kind != Handoff.Kind.COMMITMENT:
            kinds = [k for k in kinds if k[0] not in ("commitment_ok", "commitment_false")]
        if handoff is not None and handoff.certificate_id is None:
            kinds = [k for k in kinds if k[0] not in ("suspension", "revocation")]
        self.fields["kind"].choices = kinds


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https")


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100, help_text=_("例如：市场监管综合执法系统"))


class RuleNoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    effective_on = forms.DateField(label=_("施行日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
