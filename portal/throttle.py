"""One throttle for every way in: passwords (the portal's sign-in, the admin, the API), second-factor codes,
SMS registration codes and the public progress lookup.

What is counted. Each failed attempt is one `LoginFailure` row: its scope (sign-in, SMS code, progress lookup),
its subject (what is being guessed at: the account, resolved from whatever was typed, so "ZhangSan", "zhangsan"
and the account's mobile number are one subject; the mobile number of an SMS code; the case number of a lookup)
and the client address. Throttled attempts are audited but not counted, so hammering does not push the global
bars below up for the account's owner.

Three rules, each a number of free failures and then a growing delay (never a hard lock):

- subject and address: LOGIN_FAILURE_LIMIT (5) free failures, remembered LOGIN_FAILURE_MEMORY_HOURS (24 h).
  This is the rule a guesser meets, and it only slows the address that guesses: a stranger's wrong passwords
  from address A do not stop the owner signing in from address B.
- subject, all addresses: LOGIN_ACCOUNT_FAILURE_LIMIT (30) free failures an hour. It bounds a guesser who spreads
  over many addresses (ASVS 2.2.1 asks for at most 100 failures an hour on one account). It is set above what one
  address can reach in an hour under the first rule (5 free, then 5 s, 10 s, 20 s ... capped at 15 min: about
  15 in the first hour, 4 an hour after), so one stranger alone never slows the owner; a distributed attack
  slows everyone for that account, by a delay and never by a lock.
- address, all subjects: LOGIN_ADDRESS_FAILURE_LIMIT (20) free failures an hour, against one address trying many
  accounts (password spraying). It counts failures only, so an office behind one NAT address is slowed only
  when its people keep failing.

Past a rule's free failures, the next attempt must wait LOGIN_DELAY_SECONDS * 2 ** (failures - free) after the
last failure, at most LOGIN_DELAY_MAX_SECONDS; the longest wait of the three applies. A full sign-in forgets the
account's failures from that address (not those from elsewhere).

Why our own and not django-axes. Axes is well kept and hooks `authenticate()`, but here it would cover only the
password paths: the SMS codes and the progress lookup are not authentications and would need a second mechanism
anyway. Its lockout is a lock for a cool-off time with one failure limit shared by every lockout parameter, while
we need a different bar per rule (subject and address, subject alone, address alone) and a delay that grows with
each failure. The logic above is one aggregate query per attempt on the table the project already had.

Races. `begin()` takes a transaction-scoped advisory lock on the scope and subject, reads the failures and, when
the attempt may go ahead, writes its row at once as a failure; `succeeded()` deletes it again. So parallel guesses
are counted before their passwords are even checked, and a crash in between errs on the safe side.
Call these outside any transaction of your own: the rows and the audit must survive the refusal that follows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.models import LoginFailure

SIGN_IN = LoginFailure.Scope.SIGN_IN
SMS_CODE = LoginFailure.Scope.SMS_CODE
PROGRESS = LoginFailure.Scope.PROGRESS

# Audit actions of each scope: (a failure, an attempt refused by the throttle).
ACTIONS = {
    SIGN_IN: ("login_failed", "login_throttled"),
    SMS_CODE: ("sms_code_failed", "sms_code_throttled"),
    PROGRESS: ("progress_lookup_failed", "progress_lookup_throttled"),
}

GLOBAL_WINDOW = timedelta(hours=1)


# --- the policy (pure) -----------------------------------------------------------------------------------------


def delay_seconds(failures: int, free: int, base: float, cap: float) -> float:
    """The wait after the last failure before the next attempt: none while failures < free, then doubling."""
    if failures < free:
        return 0.0
    exponent = failures - free
    if exponent > 40:  # 2**40 * any sane base is far past any cap
        return float(cap)
    return float(min(base * 2**exponent, cap))


@dataclass(frozen=True)
class Rule:
    name: str
    by_subject: bool
    by_address: bool
    free: int
    window: timedelta


def rules() -> list[Rule]:
    """Read at each call, so settings changed at run time (and in tests) apply at once."""
    return [
        Rule("subject_address", True, True, settings.LOGIN_FAILURE_LIMIT,
             timedelta(hours=settings.LOGIN_FAILURE_MEMORY_HOURS)),
        Rule("subject", True, False, settings.LOGIN_ACCOUNT_FAILURE_LIMIT, GLOBAL_WINDOW),
        Rule("address", False, True, settings.LOGIN_ADDRESS_FAILURE_LIMIT, GLOBAL_WINDOW),
    ]


# --- refusals --------------------------------------------------------------------------------------------------


def retry_message(until: datetime, now: datetime | None = None) -> str:
    """Chinese: when the person may try again, as a local time and as a rough wait."""
    now = now or timezone.now()
    seconds = max(1, math.ceil((until - now).total_seconds()))
    wait = (_("%(n)s 秒") % {"n": seconds}) if seconds < 60 else (_("%(n)s 分钟") % {"n": math.ceil(seconds / 60)})
    local = timezone.localtime(until)
    if local.date() == timezone.localtime(now).date():
        when = local.strftime("%H:%M:%S")
    else:
        when = date_format(local, "Y-m-d H:i:s")
    return _("失败次数过多，为保护安全，请于 %(when)s 之后再试（约 %(wait)s后）。") % {"when": when, "wait": wait}


class TooManyAttempts(ValidationError):
    """An attempt refused because earlier ones failed; `until` is when the next one may go ahead."""

    def __init__(self, until: datetime):
        self.until = until
        super().__init__(retry_message(until), code="throttled")


# --- reads -----------------------------------------------------------------------------------------------------


def _address_q(address: str | None) -> Q:
    return Q(ip_address=address) if address else Q(ip_address__isnull=True)


def refused_until(scope: str, subject: str, address: str | None, *, now: datetime | None = None) -> datetime | None:
    """The moment the next attempt at `subject` from `address` may go ahead, or None when it may now.

    One query: the count and the newest failure of each rule, by conditional aggregation."""
    now = now or timezone.now()
    active = [r for r in rules() if not (r.by_address and not r.by_subject and not address)]
    oldest = now - max(r.window for r in active)
    aggregates = {}
    for rule in active:
        condition = Q(created_at__gte=now - rule.window)
        if rule.by_subject:
            condition &= Q(subject=subject)
        if rule.by_address:
            condition &= _address_q(address)
        aggregates[f"{rule.name}_n"] = Count("id", filter=condition)
        aggregates[f"{rule.name}_last"] = Max("created_at", filter=condition)
    reach = Q(subject=subject)
    if address:
        reach |= Q(ip_address=address)
    row = LoginFailure.objects.filter(reach, scope=scope, created_at__gte=oldest).aggregate(**aggregates)
    latest = None
    for rule in active:
        failures, last = row[f"{rule.name}_n"], row[f"{rule.name}_last"]
        wait = delay_seconds(failures, rule.free, settings.LOGIN_DELAY_SECONDS, settings.LOGIN_DELAY_MAX_SECONDS)
        if not wait or last is None:
            continue
        until = last + timedelta(seconds=wait)
        if until > now and (latest is None or until > latest):
            latest = until
    return latest


# --- writes ----------------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """An attempt under way: recorded as a failure until `succeeded()` says otherwise."""

    scope: str
    subject: str
    address: str | None
    typed: str
    row_id: int


def _audit(action: str, *, obj=None, request=None, address: str | None, typed: str, data: dict | None = None):
    from portal.audit import record_audit

    record_audit(None, action, obj, request=request, ip=address,
                 data={"identifier": typed[:150], "ip": address or "", **(data or {})})


def begin(scope: str, subject: str, address: str | None, *, typed: str = "", obj=None, request=None) -> Attempt:
    """Start an attempt, or raise TooManyAttempts (audited) when an earlier failure makes it wait."""
    subject = subject[:160]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"throttle:{scope}:{subject}"])
        until = refused_until(scope, subject, address)
        if until is None:
            row = LoginFailure.objects.create(scope=scope, subject=subject, username=typed[:150],
                                              ip_address=address)
    if until is not None:
        _audit(ACTIONS[scope][1], obj=obj, request=request, address=address, typed=typed,
               data={"until": until.isoformat()})
        raise TooManyAttempts(until)
    return Attempt(scope, subject, address, typed, row.pk)


def failed(attempt: Attempt, *, obj=None, request=None, data: dict | None = None) -> None:
    """The attempt failed: its row stays (it already counts); audit it."""
    _audit(ACTIONS[attempt.scope][0], obj=obj, request=request, address=attempt.address, typed=attempt.typed,
           data=data)


def succeeded(attempt: Attempt, *, forget: bool = False) -> None:
    """The attempt succeeded: it was no failure. With `forget`, the subject's earlier failures from this address
    are forgotten as well (a full sign-in, a found application); those from other addresses stay."""
    LoginFailure.objects.filter(pk=attempt.row_id).delete()
    if forget:
        forget_failures(attempt.scope, attempt.subject, attempt.address)


def forget_failures(scope: str, subject: str, address: str | None) -> None:
    LoginFailure.objects.filter(_address_q(address), scope=scope, subject=subject[:160]).delete()


def purge_old_failures(now: datetime | None = None) -> int:
    """Delete failures no rule reads any more (periodic task)."""
    now = now or timezone.now()
    horizon = max(timedelta(hours=settings.LOGIN_FAILURE_MEMORY_HOURS), GLOBAL_WINDOW)
    deleted, _by_model = LoginFailure.objects.filter(created_at__lt=now - horizon).delete()
    return deleted
