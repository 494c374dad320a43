from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal import services
from portal.identifiers import normalise_identifier
from portal.validators import check_citizen_id, check_credit_code


class SignInForm(AuthenticationForm):
    """Username or mobile number plus password, with failed-attempt throttling."""

    username = forms.CharField(label=_("用户名或手机号"), max_length=150)

    error_messages = {
        "invalid_login": _("用户名（手机号）或密码不正确。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
        "locked": _("登录失败次数过多，请 %(minutes)s 分钟后再试。"),
    }

    def clean(self):
        from django.conf import settings

        username = (self.cleaned_data.get("username") or "").strip()
        ip = services.client_ip(self.request)
        if services.sign_in_locked(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            services.record_sign_in_failure(username, ip)
            raise


class IdentifierField(forms.CharField):
    """A citizen ID or credit code as typed: full-width characters and spaces from a Chinese input method
    are normalised (portal.identifiers.normalise_identifier), then the number is checked."""

    check = None  # a portal.validators check_* function

    def __init__(self, **kwargs):
        # No max_length: the length is checked after normalising (so "６１０６０２ １９９０..." fits) by `check`,
        # which says what is wrong.
        super().__init__(**kwargs)
        if self.check is not None:
            self.validators.append(type(self).check)
        self.widget.attrs.update({"maxlength": "40", "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        return normalise_identifier(super().to_python(value))


class CitizenIdField(IdentifierField):
    check = staticmethod(check_citizen_id)


class CreditCodeField(IdentifierField):
    check = staticmethod(check_credit_code)
