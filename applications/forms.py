"""Forms of the applicant's pages: they parse and check the shape of input; the rules live in services."""
from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from applications import formspecs
from applications.models import Representation, Status
from applications.services import CONSENT_MAX_DAYS
from portal import clock
from portal.forms import BoundedDateField, CitizenIdField, CreditCodeField
from portal.models import mobile_validator
from portal.widgets import QuickSelect, QuickTextInput

REQUIRED = {"required": _("此项为必填项。")}


class RegistrationForm(forms.Form):
    """Self-registration: the mobile number is the user name; the SMS code proves it is the caller's."""

    mobile = forms.CharField(label=_("手机号码"), max_length=11, validators=[mobile_validator], error_messages=REQUIRED)
    code = forms.CharField(label=_("短信验证码"), max_length=6, required=False)
    real_name = forms.CharField(label=_("真实姓名"), max_length=64, required=False)
    password = forms.CharField(label=_("设置密码"), widget=forms.PasswordInput(render_value=False), required=False,
                               help_text=_("至少8位，不能全是数字，不能与手机号相近。"))
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput(render_value=False), required=False)

    def __init__(self, *args, sending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending = sending
        self.fields["mobile"].widget.attrs.update({"autocomplete": "tel", "inputmode": "numeric"})
        self.fields["code"].widget.attrs.update({"autocomplete": "one-time-code", "inputmode": "numeric"})

    def clean(self):
        data = super().clean()
        if self.sending:
            return data
        if not (data.get("code") or "").strip():
            self.add_error("code", _("请填写短信验证码。"))
        if not data.get("password"):
            self.add_error("password", _("请设置密码。"))
        elif data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class PersonIdentityForm(forms.Form):
    real_name = forms.CharField(label=_("真实姓名"), max_length=64, error_messages=REQUIRED)
    citizen_id = CitizenIdField(label=_("居民身份证号码"), error_messages=REQUIRED)


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=200, error_messages=REQUIRED)
    credit_code = CreditCodeField(label=_("统一社会信用代码"), error_messages=REQUIRED)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=64, error_messages=REQUIRED)
    relation = forms.ChoiceField(label=_("您与企业的关系"), choices=[
        (Representation.Relation.LEGAL_REPRESENTATIVE, Representation.Relation.LEGAL_REPRESENTATIVE.label),
        (Representation.Relation.STAFF, Representation.Relation.STAFF.label),
    ])
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False)
    contact_mobile = forms.CharField(label=_("联系电话"), max_length=11, required=False, validators=[mobile_validator])
    address = forms.CharField(label=_("住所"), max_length=200, required=False)


class ConsentForm(forms.Form):
    """An applicant lets an agent file for it: who, for what (one item, one bundle or every item), until when."""

    applicant = forms.TypedChoiceField(label=_("委托人（申请主体）"), coerce=int, error_messages=REQUIRED)
    agent = forms.TypedChoiceField(label=_("帮办代办员"), coerce=int, error_messages=REQUIRED)
    scope = forms.ChoiceField(label=_("委托范围"), required=False)
    purpose = forms.CharField(label=_("委托内容"), max_length=300, error_messages=REQUIRED,
                              widget=forms.TextInput(attrs={"placeholder": _("例如：代为申请食品经营许可并领取结果")}))
    valid_until = BoundedDateField(label=_("授权截止日期"), earliest_days=0, latest_days=CONSENT_MAX_DAYS,
                                   error_messages={**REQUIRED, "invalid": _("请输入有效的日期。"),
                                                   "too_early": _("授权截止日期不能早于今天。"),
                                                   "too_late": _("授权期限最长一年：截止日期不能晚于%(date)s。")})

    def __init__(self, *args, applicants=(), agents=(), items=(), bundles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = [(a.pk, f"{a.name}（{a.get_kind_display()}）") for a in applicants]
        self.fields["agent"].choices = [(u.pk, f"{u.real_name or u.username}（{u.username}）") for u in agents]
        self.fields["scope"].choices = (
            [("", _("全部事项"))]
            + [(f"item:{i.pk}", _("事项：%(n)s") % {"n": i.name}) for i in items]
            + [(f"bundle:{b.pk}", _("一件事：%(n)s") % {"n": b.title}) for b in bundles]
        )
        if not self.is_bound:
            self.initial.setdefault("valid_until", clock.today() + timedelta(days=90))

    def scope_parts(self) -> tuple[int | None, int | None]:
        kind, _sep, pk = (self.cleaned_data.get("scope") or "").partition(":")
        return (int(pk), None) if kind == "item" else (None, int(pk)) if kind == "bundle" else (None, None)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


MAX_FILES_PER_UPLOAD = 20


class MultipleFileField(forms.FileField):
    """Several files in one field (`<input type=file multiple>`, or a drop zone's files): a list of files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            if not data:
                return super().clean(None, initial)
            if len(data) > MAX_FILES_PER_UPLOAD:
                raise forms.ValidationError(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES_PER_UPLOAD},
                                            code="too_many")
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    """One or several files for one material; `replace` marks the material's current files superseded."""

    file = MultipleFileField(label=_("选择文件"), error_messages={
        "required": _("请选择要上传的文件。"), "empty": _("上传的文件是空文件。"),
        "invalid": _("没有收到文件，请重新选择。"),
    })
    replace = forms.BooleanField(label=_("替换已上传的文件（原文件保留，标记为已被替换）"), required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写撤回原因。")})


class SignCommitmentForm(forms.Form):
    signatory_name = forms.CharField(label=_("承诺人签名（请输入姓名）"), max_length=200,
                                     error_messages={"required": _("请输入承诺人姓名以签署。")})
    agree = forms.BooleanField(label=_("我已阅读并同意以上承诺内容"),
                               error_messages={"required": _("请勾选“我已阅读并同意以上承诺内容”。")})


class ProgressLookupForm(forms.Form):
    case_number = forms.CharField(label=_("办件编号"), max_length=50, error_messages=REQUIRED)
    id_tail = forms.CharField(label=_("申请人证件号码后4位或后6位"), min_length=4, max_length=6,
                              error_messages={**REQUIRED, "min_length": _("请输入证件号码后4位或后6位。")})


STATUS_FILTERS = [("", _("全部")), ("open", _("办理中")), *[(s.value, s.label) for s in Status]]


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=STATUS_FILTERS, required=False, widget=QuickSelect)
    q = forms.CharField(label=_("办件编号或事项"), max_length=50, required=False, widget=QuickTextInput)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"status": data.get("status") or "", "query": (data.get("q") or "").strip()}


def application_form(spec: formspecs.FormSpec, data=None, initial=None) -> forms.Form:
    """A Django form with one field per FormSpec field (the checks are formspecs.clean, run by save_form)."""
    form = forms.Form(data=data, initial=initial or {})
    for f in spec.fields:
        if f.kind == "textarea":
            field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
        elif f.kind == "choice":
            field = forms.ChoiceField(choices=[("", _("请选择"))] + [(c, c) for c in f.choices])
        elif f.kind == "date":
            field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        elif f.kind == "mobile":
            field = forms.CharField(widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))
        else:
            field = forms.CharField()
        field.label = f.label
        field.help_text = f.help
        field.required = False  # drafts may be incomplete; the required marks are shown from the spec
        field.spec_required = f.required and not f.required_when
        if f.kind != "choice":
            field.widget.attrs["maxlength"] = f.max_length
        form.fields[f.key] = field
    return form
