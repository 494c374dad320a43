from datetime import date, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import clock
from portal.identifiers import normalise_identifier
from portal.validators import check_citizen_id, check_credit_code


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


class IdentifierField(forms.CharField):
    """A citizen ID or credit code as typed: full-width characters and spaces from a Chinese input method
    are normalised (portal.identifiers.normalise_identifier), then the number is checked."""

    check = None  # a portal.validators check_* function

    def __init__(self, **kwargs):
        # No max_length: the length is checked after normalising (so "６１０６０２ １９９０..." fits) by `check`,
        # which says what is wrong.
        super().__init__(**kwargs)
        if self.check is not None:
            self.validators.append(self.check)
        self.widget.attrs.update({"maxlength": "40", "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        return normalise_identifier(super().to_python(value))


class CitizenIdField(IdentifierField):
    check = staticmethod(check_citizen_id)


class CreditCodeField(IdentifierField):
    check = staticmethod(check_credit_code)


class BoundedDateField(forms.DateField):
    """A date within [today + earliest_days, today + latest_days] by the portal's clock, shown as a date
    picker limited to that range. Without bounds a typed 9999-12-31 or 0001-01-01 would reach the services.

    Messages take %(date)s, the bound that was crossed."""

    default_error_messages = {
        "too_early": _("日期不能早于%(date)s。"),
        "too_late": _("日期不能晚于%(date)s。"),
    }

    def __init__(self, *, earliest_days: int, latest_days: int, **kwargs):
        self.earliest_days, self.latest_days = earliest_days, latest_days
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def bounds(self) -> tuple[date, date]:
        today = clock.today()
        return today + timedelta(days=self.earliest_days), today + timedelta(days=self.latest_days)

    def __deepcopy__(self, memo):
        # Each form instance gets a copy of its fields: the date picker's range follows today, not the day
        # the module was imported.
        result = super().__deepcopy__(memo)
        earliest, latest = result.bounds()
        result.widget.attrs.update({"min": earliest.isoformat(), "max": latest.isoformat()})
        return result

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        earliest, latest = self.bounds()
        if value < earliest:
            raise ValidationError(self.error_messages["too_early"], code="too_early",
                                  params={"date": earliest.isoformat()})
        if value > latest:
            raise ValidationError(self.error_messages["too_late"], code="too_late",
                                  params={"date": latest.isoformat()})
