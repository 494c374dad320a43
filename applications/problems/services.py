"""Every write of the problem desk: filing (online, by a clerk, by the 12345 platform), assigning, replying, the
follow-up call, closing, the overdue escalation, and the platforms' tokens.

Each use case runs in one transaction, checks applications.problems.policy, appends an audit row, and for
tickets from a 12345 platform publishes an outbox event (problem.replied, problem.followed_up) in the same
transaction: supervision turns them into signed webhook deliveries to the platform (applications never imports
supervision).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.problems import policy
from applications.problems.models import (
    HotlinePlatform,
    ProblemChannel,
    ProblemStatus,
    ProblemTicket,
    Satisfaction,
)
from portal import clock, outbox, throttle
from portal.audit import record_audit
from portal.errors import Conflict, DomainError, Throttled
from portal.models import User
from portal.notifications import notify
from portal.roles import Role

NUMBER_PREFIX = "BJ"
TOKEN_PREFIX = "ow12345_"
REPLIED_TOPIC = "problem.replied"
FOLLOWED_UP_TOPIC = "problem.followed_up"
MOBILE_RE = r"^1[3-9]\d{9}$"


def reply_days() -> int:
    return getattr(settings, "PROBLEM_DESK_REPLY_DAYS", 5)


def filings_per_hour() -> int:
    return getattr(settings, "PROBLEM_DESK_FILINGS_PER_HOUR", 5)


def next_number(on: date | None = None) -> str:
    """BJ2026-000123: the year's counter (applications' named sequences: gap-free, safe under concurrency)."""
    from applications.services import next_sequence_value

    year = (on or clock.today()).year
    return f"{NUMBER_PREFIX}{year}-{next_sequence_value(f'problem:{year}'):06d}"


def _clean(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


def _check_contact(name: str, mobile: str) -> tuple[str, str]:
    name, mobile = _clean(name, 64), _clean(mobile, 20)
    if not name:
        raise DomainError(_("请填写联系人姓名。"), code="contact_name")
    if not re.match(MOBILE_RE, mobile):
        raise DomainError(_("请输入11位中国大陆手机号码。"), code="contact_mobile")
    return name, mobile


def _new_ticket(*, channel: str, title: str, description: str, contact_name: str, contact_mobile: str,
                related_case_number: str = "", **extra) -> ProblemTicket:
    title, description = _clean(title, 200), (description or "").strip()
    if not title or not description:
        raise DomainError(_("请填写反映事项和问题描述。"), code="required")
    contact_name, contact_mobile = _check_contact(contact_name, contact_mobile)
    return ProblemTicket.objects.create(
        number=next_number(), channel=channel, title=title, description=description[:5000],
        contact_name=contact_name, contact_mobile=contact_mobile,
        related_case_number=_clean(related_case_number, 50).upper(), received_at=timezone.now(), **extra)


def _check_filing_rate(ip: str | None) -> None:
    """Against spam: an address files at most PROBLEM_DESK_FILINGS_PER_HOUR tickets an hour online."""
    if not ip:
        return
    recent = ProblemTicket.objects.filter(channel=ProblemChannel.ONLINE, ip_address=ip,
                                          received_at__gte=timezone.now() - timedelta(hours=1)).count()
    if recent >= filings_per_hour():
        raise Throttled(_("提交过于频繁，请一小时后再试，或拨打 12345 政务服务便民热线。"), code="throttled")


@transaction.atomic
def file_online(*, title: str, description: str, contact_name: str, contact_mobile: str,
                related_case_number: str = "", user: User | None = None, ip: str | None = None,
                request=None) -> ProblemTicket:
    """Anyone files a problem online; signed in, the ticket is theirs to follow in 我的反映."""
    _check_filing_rate(ip)
    user = user if (user is not None and user.is_authenticated) else None
    ticket = _new_ticket(channel=ProblemChannel.ONLINE, title=title, description=description,
                         contact_name=contact_name, contact_mobile=contact_mobile,
                         related_case_number=related_case_number, filed_by=user, ip_address=ip)
    record_audit(user, "problem_filed", ticket, to_state=ticket.status, request=request, ip=ip,
                 data={"channel": ticket.channel, "number": ticket.number})
    return ticket


@transaction.atomic
def record(clerk: User, *, channel: str, title: str, description: str, contact_name: str, contact_mobile: str,
           related_case_number: str = "", work_order_number: str = "", request=None) -> ProblemTicket:
    """A desk clerk records a problem brought to the window, by phone, or a 12345 work order typed in."""
    policy.may_record(clerk).enforce()
    if channel not in (ProblemChannel.WINDOW, ProblemChannel.PHONE, ProblemChannel.HOTLINE):
        raise DomainError(_("请选择反映渠道。"), code="channel")
    ticket = _new_ticket(channel=channel, title=title, description=description, contact_name=contact_name,
                         contact_mobile=contact_mobile, related_case_number=related_case_number,
                         recorded_by=clerk, work_order_number=_clean(work_order_number, 40))
    record_audit(clerk, "problem_recorded", ticket, to_state=ticket.status, request=request,
                 data={"channel": ticket.channel, "number": ticket.number})
    return ticket


def _lock(ticket: ProblemTicket) -> ProblemTicket:
    return ProblemTicket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def assign(ticket: ProblemTicket, clerk: User, *, section=None, department=None, note: str = "",
           days: int | None = None, request=None) -> ProblemTicket:
    """协调: hand the ticket to a bureau section or a department, with a reply deadline in working days (again
    while it is being coordinated, to hand it elsewhere: the deadline runs anew)."""
    ticket = _lock(ticket)
    policy.may_assign(clerk, ticket).enforce()
    if (section is None) == (department is None):
        raise DomainError(_("请选择承办科室或承办部门（二选一）。"), code="assignee")
    days = reply_days() if days is None else int(days)
    if not 1 <= days <= 60:
        raise DomainError(_("答复期限应为 1 至 60 个工作日。"), code="days")
    before = ticket.status
    now = timezone.now()
    ticket.assign()
    ticket.section, ticket.department = section, department
    ticket.assigned_at, ticket.assigned_by = now, clerk
    ticket.assignment_note = (note or "").strip()[:2000]
    ticket.reply_due_on = clock.add_working_days(now, days)
    ticket.escalated_at = None
    ticket.save()
    record_audit(clerk, "problem_assigned", ticket, from_state=before, to_state=ticket.status,
                 opinion=ticket.assignment_note, request=request,
                 data={"section": getattr(section, "pk", None), "department": getattr(department, "pk", None),
                       "reply_due_on": ticket.reply_due_on.isoformat(), "days": days})
    people = []
    if section is not None:
        people = [*section.members.filter(is_active=True), *([section.head] if section.head_id else [])]
    else:
        people = list(department.members.filter(is_active=True))
    for person in {p.pk: p for p in people}.values():
        notify(person, _("办不成事反映交办：%(n)s") % {"n": ticket.number},
               _("%(t)s。请于 %(d)s 前答复。") % {"t": ticket.title, "d": ticket.reply_due_on.isoformat()},
               url=f"/problems/{ticket.pk}/", dedupe_key=f"problem-assigned:{ticket.pk}:{now.isoformat()}:{person.pk}")
    return ticket


def _event_payload(ticket: ProblemTicket) -> dict:
    return {
        "ticket": ticket.number, "platform_id": ticket.platform_id, "work_order_number": ticket.work_order_number,
        "status": ticket.status, "status_label": str(ticket.get_status_display()),
        "assignee": str(ticket.assignee) if ticket.assignee else "",
        "reply": ticket.reply, "replied_at": ticket.replied_at.isoformat() if ticket.replied_at else None,
        "reply_due_on": ticket.reply_due_on.isoformat() if ticket.reply_due_on else None,
        "follow_up": None if ticket.follow_up_at is None else {
            "at": ticket.follow_up_at.isoformat(), "satisfaction": ticket.satisfaction,
            "satisfaction_label": str(ticket.get_satisfaction_display()), "note": ticket.follow_up_note},
    }


@transaction.atomic
def reply(ticket: ProblemTicket, user: User, text: str, *, request=None) -> ProblemTicket:
    """答复: the assigned section or department (or the desk) answers the filer."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("请填写答复内容。"), code="reply")
    ticket = _lock(ticket)
    policy.may_reply(user, ticket).enforce()
    now = timezone.now()
    ticket.answer()
    ticket.reply, ticket.replied_at, ticket.replied_by = text[:5000], now, user
    ticket.reply_working_days = clock.working_days_between(ticket.assigned_at, now)
    ticket.save()
    record_audit(user, "problem_replied", ticket, from_state=ProblemStatus.COORDINATING, to_state=ticket.status,
                 opinion=ticket.reply, request=request,
                 data={"on_time": ticket.replied_on_time, "working_days": ticket.reply_working_days})
    if ticket.filed_by_id:
        notify(ticket.filed_by, _("您的反映已答复：%(n)s") % {"n": ticket.number}, ticket.reply[:300],
               url=f"/problems/{ticket.pk}/", dedupe_key=f"problem-replied:{ticket.pk}")
    if ticket.platform_id:
        outbox.publish(REPLIED_TOPIC, ticket, _event_payload(ticket))
    return ticket


@transaction.atomic
def follow_up(ticket: ProblemTicket, clerk: User, *, satisfaction: str, note: str, called_on=None,
              request=None) -> ProblemTicket:
    """回访: the desk calls the filer back and records what they said and how satisfied they are."""
    if satisfaction not in Satisfaction.values:
        raise DomainError(_("请选择满意度。"), code="satisfaction")
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写回访记录。"), code="note")
    ticket = _lock(ticket)
    policy.may_follow_up(clerk, ticket).enforce()
    now = timezone.now()
    when = now
    if called_on is not None:
        if called_on > clock.today() or called_on < clock.local_date(ticket.replied_at):
            raise DomainError(_("回访日期应在答复之后、今天或之前。"), code="called_on")
        if called_on != clock.today():
            when = timezone.make_aware(datetime.combine(called_on, time(12)))  # a past day's call: its noon
    ticket.follow_up()
    ticket.follow_up_at, ticket.follow_up_by = when, clerk
    ticket.follow_up_note, ticket.satisfaction = note[:2000], satisfaction
    ticket.save()
    record_audit(clerk, "problem_followed_up", ticket, from_state=ProblemStatus.REPLIED, to_state=ticket.status,
                 opinion=ticket.follow_up_note, request=request, data={"satisfaction": satisfaction})
    if ticket.platform_id:
        outbox.publish(FOLLOWED_UP_TOPIC, ticket, _event_payload(ticket))
    return ticket


@transaction.atomic
def close(ticket: ProblemTicket, clerk: User, *, note: str = "", request=None) -> ProblemTicket:
    ticket = _lock(ticket)
    policy.may_close(clerk, ticket).enforce()
    ticket.close()
    ticket.closed_at = timezone.now()
    ticket.save()
    record_audit(clerk, "problem_closed", ticket, from_state=ProblemStatus.FOLLOWED_UP, to_state=ticket.status,
                 opinion=(note or "").strip()[:2000], request=request)
    return ticket


def escalate_overdue(today: date | None = None) -> int:
    """Tickets past their reply deadline go to the bureau's leaders, once per ticket: one UPDATE marks them
    (served by the partial index on open, unescalated tickets); each marked ticket is audited and every leader
    told. Safe to run twice. Returns how many tickets were escalated now."""
    today = today or clock.today()
    with transaction.atomic():
        overdue = list(ProblemTicket.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status=ProblemStatus.COORDINATING, escalated_at__isnull=True, reply_due_on__lt=today)
            .select_related("section", "department"))
        if not overdue:
            return 0
        now = timezone.now()
        ProblemTicket.objects.filter(pk__in=[t.pk for t in overdue]).update(escalated_at=now)
        leaders = list(User.objects.filter(groups__name=Role.BUREAU_LEADER.value, is_active=True).distinct())
        for ticket in overdue:
            record_audit(None, "problem_escalated", ticket, data={"reply_due_on": ticket.reply_due_on.isoformat(),
                                                                  "leaders": [u.pk for u in leaders]})
            for leader in leaders:
                notify(leader, _("办不成事反映逾期未答复：%(n)s") % {"n": ticket.number},
                       _("%(t)s（承办：%(a)s，答复期限 %(d)s）") % {
                           "t": ticket.title, "a": ticket.assignee, "d": ticket.reply_due_on.isoformat()},
                       url=f"/problems/{ticket.pk}/", dedupe_key=f"problem-overdue:{ticket.pk}:{leader.pk}")
    return len(overdue)


# --- the public follow page ----------------------------------------------------------------------------------------


def lookup(number: str, mobile_tail: str, *, ip: str | None = None) -> ProblemTicket | None:
    """The ticket with this number whose contact mobile ends with `mobile_tail` (4 digits), or None. Failures go
    through the portal's throttle per number and address, as the progress lookup's do."""
    number = (number or "").strip().upper()[:20]
    mobile_tail = (mobile_tail or "").strip()
    try:
        attempt = throttle.begin(throttle.PROGRESS, f"problem:{number}", ip, typed=number)
    except throttle.TooManyAttempts as refusal:
        raise Throttled(refusal.messages[0], code="throttled") from None
    ticket = None
    if number.startswith(NUMBER_PREFIX) and len(mobile_tail) == 4 and mobile_tail.isdigit():
        ticket = (ProblemTicket.objects.select_related("section", "department")
                  .filter(number=number, contact_mobile__endswith=mobile_tail).first())
    if ticket is None:
        throttle.failed(attempt)
    else:
        throttle.succeeded(attempt, forget=True)
    return ticket


# --- 12345 platforms ---------------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_platform_token(platform: HotlinePlatform, *, actor: User | None = None) -> str:
    """A new bearer token for the platform (the old one stops working); returned once, only its hash is kept."""
    platform = HotlinePlatform.objects.select_for_update().get(pk=platform.pk)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    platform.token_hash, platform.token_prefix = hash_token(token), token[:12]
    platform.token_created_at = timezone.now()
    platform.save(update_fields=["token_hash", "token_prefix", "token_created_at"])
    record_audit(actor, "hotline_token_issued", platform, data={"prefix": platform.token_prefix})
    return token


def platform_for_token(raw: str) -> HotlinePlatform | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    platform = HotlinePlatform.objects.filter(token_hash=hash_token(raw), active=True).first()
    if platform is not None:
        now = timezone.now()
        if platform.last_used_at is None or now - platform.last_used_at > timedelta(minutes=1):
            HotlinePlatform.objects.filter(pk=platform.pk).update(last_used_at=now)
    return platform


def work_order_digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def receive_work_order(platform: HotlinePlatform, data: dict) -> tuple[ProblemTicket, bool]:
    """A 12345 work order handed over by the platform: (ticket, created). The same work-order number again with the
    same content answers the same ticket; with other content, Conflict (the platform must not change a work order
    silently)."""
    number = _clean(data.get("work_order_number"), 40)
    digest = work_order_digest(data)
    existing = ProblemTicket.objects.filter(platform=platform, work_order_number=number).first()
    if existing is None:
        try:
            with transaction.atomic():
                ticket = _new_ticket(
                    channel=ProblemChannel.HOTLINE, title=data.get("title", ""),
                    description=data.get("description", ""), contact_name=data.get("contact_name", ""),
                    contact_mobile=data.get("contact_mobile", ""),
                    related_case_number=data.get("related_case_number", ""),
                    platform=platform, work_order_number=number, work_order_digest=digest)
                record_audit(None, "problem_work_order_received", ticket, to_state=ticket.status,
                             data={"platform": platform.code, "work_order_number": number,
                                   "number": ticket.number})
                return ticket, True
        except IntegrityError:  # the same work order arrived twice at once: the other request made it
            existing = ProblemTicket.objects.filter(platform=platform, work_order_number=number).first()
            if existing is None:
                raise
    if existing.work_order_digest != digest:
        raise Conflict(_("工单号 %(n)s 已接收，内容与本次不一致；工单内容不能修改。") % {"n": number},
                       code="work_order_conflict")
    return existing, False
