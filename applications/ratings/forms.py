from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.ratings.models import Level, RectificationTicket


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(label=_("评价等级"), choices=Level.choices, coerce=int, widget=forms.RadioSelect,
                                   error_messages={"required": _("请选择评价等级。")})
    comment = forms.CharField(label=_("意见和建议（选填）"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}))


class VisitForm(forms.Form):
    purpose = forms.CharField(label=_("办理内容"), max_length=100, required=False,
                              help_text=_("如：咨询、材料核验、领取证照"))


class CallForm(forms.Form):
    call_on = forms.DateField(label=_("回访日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                              error_messages={"required": _("请填写回访日期。"), "invalid": _("日期格式不正确。")})
    contact = forms.CharField(label=_("回访对象"), max_length=64, error_messages={"required": _("请填写回访对象。")})
    notes = forms.CharField(label=_("申请人反映的情况"), widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"required": _("请记录申请人反映的情况。")})


class RectificationForm(forms.Form):
    rectification = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 3}),
                                    error_messages={"required": _("请填写整改情况。")})


class CloseForm(forms.Form):
    applicant_view = forms.ChoiceField(label=_("申请人对整改的评价"), choices=RectificationTicket.View.choices,
                                       widget=forms.RadioSelect,
                                       error_messages={"required": _("请选择申请人对整改结果的评价。")})
    notes = forms.CharField(label=_("办结说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请写明认定为恶意差评的理由。")})


class DecideAppealForm(forms.Form):
    decision = forms.ChoiceField(label=_("确认结果"), choices=[("confirm", _("认定为恶意差评")),
                                                           ("reject", _("申诉不成立"))], widget=forms.RadioSelect,
                                 error_messages={"required": _("请选择确认结果。")})
    notes = forms.CharField(label=_("确认意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
