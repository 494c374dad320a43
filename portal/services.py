"""Writes of the portal package: audit, calendar maintenance, sign-in (password, second factor), health records."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import auditchain, calendar_source, clock, second_factor, selectors, throttle
from portal.audit import client_ip, record_audit  # noqa: F401 - re-exported for the portal's own callers
from portal.models import CalendarDay, MaintenanceAlert, User, WorkerHeartbeat
from portal.roles import Role

log = logging.getLogger(__name__)

CALENDAR_ALERT_CODE = "calendar-next-year-missing"
AUDIT_ALERT_CODE = "audit-chain-broken"


# --- users and roles -------------------------------------------------------------------------------------


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def grant_role(user: User, role: Role, *, by: User | None = None) -> None:
    group, _created = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    user.__dict__.pop("roles", None)
    record_audit(by, "grant_role", user, to_state=role.value)


# --- sign-in: password, then the second factor when the account has one -----------------------------------


def account_subject(user: User | None, identifier: str = "") -> str:
    """The throttle's subject for a sign-in: the account, however it was named; for a name that matches no
    account, the name itself (folded), so unknown names are throttled exactly like known ones."""
    if user is not None:
        return f"user:{user.pk}"
    return "name:" + selectors.normalise_identifier(identifier).casefold()


def authenticate_password(request, identifier: str, password: str) -> User | None:
    """Check a password for a username or mobile number, through the throttle.

    Called by the authentication backend, so every caller of django.contrib.auth.authenticate() goes through it
    (the portal's form, anything the admin or DRF might call). Raises throttle.TooManyAttempts (audited as
    "login_throttled") when earlier failures make this attempt wait; a wrong password is audited as
    "login_failed" and counted."""
    typed = (identifier or "").strip()[:150]
    user = selectors.find_account(typed)
    address = client_ip(request)
    attempt = throttle.begin(throttle.SIGN_IN, account_subject(user, typed), address, typed=typed, obj=user,
                             request=request)
    if user is None:
        User().set_password(password)  # the hasher's time, so timing does not tell which names exist
        ok = False
    else:
        ok = user.check_password(password) and user.is_active
    if ok:
        throttle.succeeded(attempt)
        return user
    throttle.failed(attempt, obj=user, request=request, data={"step": "password"})
    return None


def verify_second_factor(request, user: User, token: str) -> TOTPDevice:
    """The code from the authenticator app after the password: the device that accepted it, or a refusal
    (throttle.TooManyAttempts, or a ValidationError for a wrong code, counted on the account's throttle)."""
    attempt = throttle.begin(throttle.SIGN_IN, account_subject(user), client_ip(request),
                             typed=user.get_username(), obj=user, request=request)
    token = (token or "").strip().replace(" ", "")
    device = None
    with transaction.atomic():
        # verify_token records the step it accepted, so a code is never accepted twice.
        for candidate in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
            if candidate.verify_token(token):
                device = candidate
                break
    if device is None:
        throttle.failed(attempt, obj=user, request=request, data={"step": "second_factor"})
        raise ValidationError(_("动态验证码不正确，请输入身份验证器中当前显示的6位数字。"), code="otp_wrong")
    throttle.succeeded(attempt)
    return device


def record_sign_in(user: User, request) -> None:
    """A full sign-in: forget this account's failures from this address (not those from elsewhere), audit it."""
    throttle.forget_failures(throttle.SIGN_IN, account_subject(user), client_ip(request))
    verified = bool(getattr(user, "otp_device", None))
    record_audit(user, "login", user, request=request, data={"second_factor": verified})


@transaction.atomic
def enrol_second_factor(user: User, key: str, token: str, *, request=None) -> TOTPDevice:
    """Confirm an authenticator app: the code it shows for the secret it was given proves it has the secret."""
    if not second_factor.may_enrol(user):
        raise PermissionDenied(_("只有工作人员可以启用两步验证。"))
    if second_factor.has_confirmed_device(user):
        raise ValidationError(_("本账号已启用两步验证。"), code="otp_exists")
    device = second_factor.new_device(user, key)
    match = second_factor.matching_step(device, token)
    if match is None:
        raise ValidationError(
            _("验证码不正确：请确认手机时间准确，并输入身份验证器中当前显示的6位数字。"), code="otp_wrong"
        )
    TOTPDevice.objects.filter(user=user).delete()  # leftovers of an enrolment never finished
    device.last_t, device.drift = match
    device.confirmed = True
    device.save()
    record_audit(user, "second_factor_enrolled", user, request=request)
    return device


def remove_second_factor(user: User, token: str, *, request=None) -> None:
    """Switch the second factor off, with a current code; administrators may not while it is required (another
    administrator removes a lost phone's device in the admin, and the owner enrols again at the next sign-in)."""
    if second_factor.required_for(user):
        raise PermissionDenied(_("系统管理员必须使用两步验证，不能停用。"))
    verify_second_factor(request, user, token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        record_audit(user, "second_factor_removed", user, request=request)


# --- the working-day calendar ----------------------------------------------------------------------------


@transaction.atomic
def seed_calendar_from_package() -> int:
    """Load every exception the chinesecalendar package knows; rows an administrator edited are kept."""
    manual = set(CalendarDay.objects.exclude(source="chinesecalendar").values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, kind=kind, name=name, source="chinesecalendar")
        for day, kind, name in calendar_source.official_exceptions()
        if day not in manual
    ]
    CalendarDay.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["date"], update_fields=["kind", "name", "source"]
    )
    clock.forget_calendar()
    return len(rows)


def calendar_covers_year(year: int) -> bool:
    """A year counts as covered once it has at least one holiday entry (the State Council notice's)."""
    return CalendarDay.objects.filter(date__year=year, kind=CalendarDay.Kind.HOLIDAY).exists()


@dataclass(frozen=True)
class CalendarEntry:
    """One date of the calendar as it should be: a weekday holiday, a weekend make-up working day, or "" to
    go back to the Monday-Friday rule (the row is removed)."""

    date: date
    kind: str
    name: str = ""


@transaction.atomic
def change_calendar(entries, *, by: User | None = None, request=None, source: str = "manual") -> list[date]:
    """Apply calendar entries (the admin's edits, a year imported from the State Council's notice): each real
    change is audited; then every app recomputes what it stored from the old calendar (portal.signals.
    calendar_changed, inside this transaction) and every process is told after the commit. Returns the dates
    that changed."""
    from portal.signals import calendar_changed

    entries = list(entries)
    existing = {d.date: d for d in CalendarDay.objects.select_for_update().filter(date__in=[e.date for e in entries])}
    changed = []
    for entry in entries:
        old = existing.get(entry.date)
        if not entry.kind:
            if old is not None:
                record_audit(by, "calendar_delete", old, request=request, from_state=old.kind,
                             data={"date": entry.date.isoformat(), "name": old.name})
                old.delete()
                changed.append(entry.date)
            continue
        if old is not None and (old.kind, old.name) == (entry.kind, entry.name):
            continue
        before = old.kind if old is not None else ""
        day, _created = CalendarDay.objects.update_or_create(
            date=entry.date, defaults={"kind": entry.kind, "name": entry.name[:64], "source": source})
        record_audit(by, "calendar_change" if old is not None else "calendar_add", day, request=request,
                     from_state=before, to_state=entry.kind, data={"date": entry.date.isoformat(), "name": entry.name})
        changed.append(entry.date)
    if changed:
        clock.forget_calendar()
        calendar_changed.send(sender=CalendarDay, dates=sorted(changed), by=by, request=request)
        transaction.on_commit(clock.announce_calendar_change)
        check_calendar_coverage()
    return changed


CALENDAR_WATCH_FROM = (11, 1)  # month, day: the State Council publishes next year's holidays each November


def calendar_gap_message(today=None) -> str:
    """The banner's text when, from 1 November on, next year's holidays are not in the calendar (else "")."""
    today = today or clock.today()
    if (today.month, today.day) < CALENDAR_WATCH_FROM or (clock.covered_until() or 0) > today.year:
        return ""
    return _("%(year)s 年的工作日历尚未录入：国务院办公厅通常在每年11月公布下一年放假安排，请及时在“工作日历”中维护；"
             "在此之前，落在%(year)s年的办结期限暂按标准工作日计算。") % {"year": today.year + 1}


def check_calendar_coverage(today=None) -> MaintenanceAlert | None:
    """From 1 November on, raise an alert (and mail administrators once) when next year's calendar is missing;
    resolve it once the year is in. Runs when a worker starts and hourly from beat."""
    today = today or clock.today()
    next_year = today.year + 1
    now = timezone.now()
    open_alert = MaintenanceAlert.objects.filter(code=CALENDAR_ALERT_CODE, resolved_at__isnull=True).first()
    if calendar_covers_year(next_year) or (today.month, today.day) < CALENDAR_WATCH_FROM:
        if open_alert:
            open_alert.resolved_at = now
            open_alert.save(update_fields=["resolved_at"])
            record_audit(None, "alert_resolved", open_alert)
        return None
    message = calendar_gap_message(today)
    if open_alert:
        return open_alert
    alert, _created = MaintenanceAlert.objects.update_or_create(
        code=CALENDAR_ALERT_CODE, defaults={"message": message, "raised_at": now, "resolved_at": None}
    )
    record_audit(None, "alert_raised", alert, opinion=message)
    recipients = _administrator_emails()
    if recipients:
        transaction.on_commit(
            lambda: send_mail(_("一窗通：下一年工作日历缺失"), message, None, recipients, fail_silently=True)
        )
    log.warning("calendar coverage: %s", message)
    return alert


def _administrator_emails() -> list[str]:
    return list(
        User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def check_audit_chain() -> MaintenanceAlert | None:
    """Verify the audit log's hash chains; on a break raise an alert and mail administrators, resolve it once whole.

    A new or different break (another first link, more of them) is news: the alert is raised again and mailed.
    """
    report = auditchain.verify()
    now = timezone.now()
    open_alert = MaintenanceAlert.objects.filter(code=AUDIT_ALERT_CODE, resolved_at__isnull=True).first()
    if report.ok:
        log.info("audit chains verified: %s rows in %s streams", report.rows, report.streams)
        if open_alert:
            open_alert.resolved_at = now
            open_alert.save(update_fields=["resolved_at"])
            record_audit(None, "alert_resolved", open_alert)
        return None
    message = _(
        "审计日志防篡改校验失败：%(first)s。共发现 %(count)s 处问题。审计记录可能被绕过应用直接改动或删除，"
        "请立即核查数据库的访问与操作记录，并与备份比对。"
    ) % {"first": report.first.describe(), "count": report.total_breaks}
    log.error("audit chain broken: %s", message)
    if open_alert and open_alert.message == message:
        return open_alert
    alert, _created = MaintenanceAlert.objects.update_or_create(
        code=AUDIT_ALERT_CODE, defaults={"message": message, "raised_at": now, "resolved_at": None}
    )
    record_audit(None, "alert_raised", alert, opinion=message)
    recipients = _administrator_emails()
    if recipients:
        transaction.on_commit(
            lambda: send_mail(_("一窗通：审计日志校验失败"), message, None, recipients, fail_silently=True)
        )
    return alert


# --- health -----------------------------------------------------------------------------------------------


def record_worker_heartbeat(hostname: str) -> None:
    WorkerHeartbeat.objects.update_or_create(hostname=hostname[:200], defaults={"seen_at": timezone.now()})
