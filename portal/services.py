"""Writes of the portal package: audit, calendar maintenance, sign-in throttling, health records."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import auditchain, calendar_source, clock
from portal.models import AuditEvent, CalendarDay, LoginFailure, MaintenanceAlert, User, WorkerHeartbeat
from portal.roles import Role

log = logging.getLogger(__name__)

CALENDAR_ALERT_CODE = "calendar-next-year-missing"
AUDIT_ALERT_CODE = "audit-chain-broken"


def client_ip(request) -> str | None:
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


def record_audit(
    actor: User | None,
    action: str,
    obj=None,
    *,
    from_state: str = "",
    to_state: str = "",
    opinion: str = "",
    role: str = "",
    request=None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one audit row. There is deliberately no function that changes or removes one."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=(str(actor) if actor else "系统")[:150],
        actor_role=role or (actor.primary_role or "" if actor else "system"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        from_state=from_state,
        to_state=to_state,
        opinion=opinion,
        ip_address=client_ip(request),
        data=data or {},
    )


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


# --- sign-in throttling ----------------------------------------------------------------------------------


def _failure_window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def sign_in_locked(username: str, ip: str | None) -> bool:
    """True when the account or the address has failed too often within the window."""
    since = _failure_window_start()
    recent = LoginFailure.objects.filter(created_at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if username and recent.filter(username__iexact=username).count() >= limit:
        return True
    # An address may mistype a few accounts; guessing many is throttled at a higher bar.
    return bool(ip) and recent.filter(ip_address=ip).count() >= limit * 4


def record_sign_in_failure(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip_address=ip)
    record_audit(None, "login_failed", data={"username": username[:150], "ip": ip or ""})


def record_sign_in(user: User, request) -> None:
    LoginFailure.objects.filter(username__iexact=user.username).delete()
    if user.mobile:
        LoginFailure.objects.filter(username=user.mobile).delete()
    record_audit(user, "login", user, request=request)


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


def check_calendar_coverage(today=None) -> MaintenanceAlert | None:
    """Raise an alert (and mail administrators once) when next year's calendar is missing; resolve it after."""
    today = today or clock.today()
    next_year = today.year + 1
    now = timezone.now()
    open_alert = MaintenanceAlert.objects.filter(code=CALENDAR_ALERT_CODE, resolved_at__isnull=True).first()
    if calendar_covers_year(next_year):
        if open_alert:
            open_alert.resolved_at = now
            open_alert.save(update_fields=["resolved_at"])
            record_audit(None, "alert_resolved", open_alert)
        return None
    message = _("%(year)s 年的工作日历尚未录入：国务院办公厅通常在每年11月公布下一年放假安排，请及时在“工作日历”中维护。") % {
        "year": next_year
    }
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
