from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Username or mobile number plus password; the throttle lives in the authentication backend, this form
    only shows its refusal (with the time the person may try again) instead of the generic message."""

    username = forms.CharField(label=_("用户名或手机号"), max_length=150)

    error_messages = {
        "invalid_login": _("用户名（手机号）或密码不正确。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            refusal = getattr(self.request, "sign_in_refusal", None)
            if refusal is not None:
                raise refusal from None
            raise


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("动态验证码"), min_length=6, max_length=8,
        error_messages={"required": _("请输入身份验证器中的6位动态验证码。"),
                        "min_length": _("动态验证码为6位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
