"""Writes of 好差评 and 差评整改, one function per use case (one transaction, the policy checked on the locked row,
an audit row, notifications after the commit).

- invite(application): the application was closed (办结): its applicant side is asked to rate it (called by
  applications.services.record_issue_and_close, inside the handover's transaction).
- rate_online(application, user, level, comment, channel): once per application, within RATING_OPEN_DAYS.
- open_visit(clerk, application=None, purpose=""), rate_visit(visit, clerk, level, comment): the tablet page.
- record_call, record_rectification, close_ticket: the ticket's steps (待回访 -> 已回访 -> 已整改 -> 已办结).
- request_appeal, decide_appeal: 恶意差评 asked for by the section, confirmed or rejected by a bureau leader.
"""
from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import extensions
from applications.models import Application, ApplicationItem
from applications.ratings import policy
from applications.ratings.models import (
    BAD_LEVELS,
    Level,
    MaliciousAppeal,
    Rating,
    RectificationTicket,
    TicketStatus,
    WindowVisit,
)
from portal import clock
from portal.audit import client_ip, record_audit
from portal.errors import Conflict, DomainError
from portal.models import User
from portal.roles import Role

WINDOW, PC, MOBILE = "1", "2", "3"
MOBILE_MARKERS = ("mobile", "android", "iphone", "ipad", "harmonyos", "micromessenger")


def rectification_days() -> int:
    return int(getattr(settings, "RATING_RECTIFICATION_DAYS", 5))


def ticket_due_on(opened_at) -> date:
    """The rectification deadline: RATING_RECTIFICATION_DAYS working days after the bad rating (first day not
    counted), on the working-day calendar."""
    return clock.add_working_days(opened_at, rectification_days())


def channel_of(request) -> str:
    """PC or mobile, from the browser's user agent (an online rating)."""
    agent = (request.META.get("HTTP_USER_AGENT", "") if request is not None else "").lower()
    return MOBILE if any(marker in agent for marker in MOBILE_MARKERS) else PC


def _level(value) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise DomainError(_("请选择评价等级。"), code="level")
    return level


def _comment(level: int, comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise DomainError(_("评价内容不超过 500 字。"), code="comment")
    return comment


def responsible(application: Application | None) -> tuple:
    """(item, section, department) of an application: its first item (for a bundle, the first in the bundle's
    order: the section that leads it answers for the rating; one ticket per rating)."""
    if application is None:
        return None, None, None
    entry = (ApplicationItem.objects.filter(application=application).select_related("item")
             .order_by("sort_order", "id").first())
    if entry is None:
        return None, None, None
    item = entry.item
    return item, item.section_id, item.competent_department_id


# --- invitation -------------------------------------------------------------------------------------------------


def invite(application: Application) -> None:
    """Ask the applicant side of a closed application to rate it (in the portal and by SMS, after the commit)."""
    from applications.selectors import people_to_notify
    from portal.notifications import notify

    url = reverse("applications:rate", args=[application.pk])
    for person in people_to_notify(application):
        notify(person, _("请您评价：%(t)s") % {"t": application.title},
               _("办件 %(n)s 已办结。欢迎对本次服务作出评价（好差评），%(d)s 天内有效。") % {
                   "n": application.case_number, "d": policy.open_days()},
               url=url, channels=("sms",), dedupe_key=f"rating-invite:{application.pk}")


# --- giving a rating -------------------------------------------------------------------------------------------


def _open_ticket(rating: Rating, actor: User | None, request=None) -> RectificationTicket:
    due_on = ticket_due_on(timezone.now())
    ticket = RectificationTicket.objects.create(rating=rating, section_id=rating.section_id, due_on=due_on)
    record_audit(actor, "rating_ticket_open", ticket, to_state=ticket.status, request=request,
                 data={"rating": rating.pk, "due_on": due_on.isoformat(), "section": rating.section_id})
    _tell_handlers(ticket.pk)  # stored with the ticket; the SMS copies leave after the commit (notify)
    return ticket


def _tell_handlers(ticket_id: int) -> None:
    from portal.notifications import notify

    ticket = RectificationTicket.objects.select_related("section__head", "rating").get(pk=ticket_id)
    people = []
    if ticket.section is not None and ticket.section.head is not None:
        people.append(ticket.section.head)
    if not people:
        people = list(User.objects.filter(groups__name=Role.BUREAU_LEADER, is_active=True))
    for person in people:
        notify(person, _("新的差评整改：%(l)s") % {"l": ticket.rating.get_level_display()},
               _("请于 %(d)s 前完成回访和整改。") % {"d": ticket.due_on}, url=reverse("applications:rating_ticket",
                                                                               args=[ticket.pk]))


@transaction.atomic
def rate_online(application: Application, user: User, level, comment: str = "", *, request=None,
                channel: str | None = None) -> Rating:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not policy.rateable_applications(user).filter(pk=application.pk).exists():
        raise Application.DoesNotExist
    policy.rating_open(application).enforce()
    level = _level(level)
    item, section_id, department_id = responsible(application)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                application=application, channel=channel or channel_of(request), level=level,
                comment=_comment(level, comment), rater=user, applicant_id=application.applicant_id, item=item,
                section_id=section_id, department_id=department_id, ip_address=client_ip(request))
    except IntegrityError:
        raise Conflict(_("您已评价过该办件，每个办件只能网上评价一次。"), code="rated") from None
    record_audit(user, "rate", rating, to_state=str(level), opinion=rating.comment, request=request,
                 data={"application": application.pk, "channel": rating.channel})
    if level in BAD_LEVELS:
        _open_ticket(rating, user, request)
    return rating


@transaction.atomic
def open_visit(clerk: User, *, application: Application | None = None, purpose: str = "", request=None) -> WindowVisit:
    policy.may_open_visit(clerk).enforce()
    if application is not None and not extensions.staff_visible_applications(clerk).filter(pk=application.pk).exists():
        raise PermissionDenied(_("只能为您可以查看的办件开启现场评价。"))
    visit = WindowVisit.objects.create(clerk=clerk, application=application, purpose=(purpose or "").strip()[:100])
    record_audit(clerk, "rating_visit_open", visit, request=request,
                 data={"application": application.pk if application else None})
    return visit


@transaction.atomic
def rate_visit(visit: WindowVisit, clerk: User, level, comment: str = "", *, request=None) -> Rating:
    visit = WindowVisit.objects.select_for_update(of=("self",)).select_related("application").get(pk=visit.pk)
    if visit.clerk_id != clerk.pk:
        raise WindowVisit.DoesNotExist
    if Rating.objects.filter(visit=visit).exists():
        raise Conflict(_("本次服务已经评价过了，谢谢！"), code="rated")
    level = _level(level)
    item, section_id, department_id = responsible(visit.application)
    if section_id is None:
        # A visit without an application: the section the clerk works in, if any (else the leaders handle it).
        section_id = clerk.sections.values_list("id", flat=True).order_by("id").first()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                visit=visit, application=visit.application, channel=WINDOW, level=level,
                comment=_comment(level, comment), applicant_id=visit.application.applicant_id if visit.application else None,
                item=item, section_id=section_id, department_id=department_id, ip_address=client_ip(request))
    except IntegrityError:
        raise Conflict(_("本次服务已经评价过了，谢谢！"), code="rated") from None
    record_audit(None, "rate", rating, to_state=str(level), opinion=rating.comment, request=request,
                 data={"visit": visit.pk, "channel": WINDOW, "clerk": clerk.pk})
    if level in BAD_LEVELS:
        _open_ticket(rating, None, request)
    return rating


# --- the ticket's steps -------------------------------------------------------------------------------------------


def _locked_ticket(ticket: RectificationTicket) -> RectificationTicket:
    return RectificationTicket.objects.select_for_update(of=("self",)).select_related("rating").get(pk=ticket.pk)


def _text(value: str, message: str, code: str, limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value[:limit]


@transaction.atomic
def record_call(ticket: RectificationTicket, user: User, *, call_on: date, contact: str, notes: str,
                request=None) -> RectificationTicket:
    """回访: the date of the call, whom the section spoke to and what the applicant said."""
    ticket = _locked_ticket(ticket)
    policy.may_record_call(ticket, user).enforce()
    if call_on is None or call_on > clock.today():
        raise DomainError(_("回访日期不能晚于今天。"), code="call_on")
    if call_on < timezone.localdate(ticket.opened_at):
        raise DomainError(_("回访日期不能早于差评时间。"), code="call_on")
    before = ticket.status
    ticket.call_on, ticket.call_by = call_on, user
    ticket.call_contact = _text(contact, _("请填写回访对象。"), "contact", 64)
    ticket.call_notes = _text(notes, _("请记录申请人反映的情况。"), "notes")
    ticket.status = TicketStatus.CALLED
    ticket.save(update_fields=["call_on", "call_by", "call_contact", "call_notes", "status"])
    record_audit(user, "rating_call", ticket, from_state=before, to_state=ticket.status, opinion=ticket.call_notes,
                 request=request, data={"call_on": call_on.isoformat(), "contact": ticket.call_contact})
    return ticket


@transaction.atomic
def record_rectification(ticket: RectificationTicket, user: User, text: str, *, request=None) -> RectificationTicket:
    ticket = _locked_ticket(ticket)
    policy.may_record_rectification(ticket, user).enforce()
    before = ticket.status
    ticket.rectification = _text(text, _("请填写整改情况。"), "rectification")
    ticket.rectified_at, ticket.rectified_by = timezone.now(), user
    ticket.status = TicketStatus.RECTIFIED
    ticket.save(update_fields=["rectification", "rectified_at", "rectified_by", "status"])
    record_audit(user, "rating_rectify", ticket, from_state=before, to_state=ticket.status,
                 opinion=ticket.rectification, request=request)
    return ticket


@transaction.atomic
def close_ticket(ticket: RectificationTicket, user: User, applicant_view: str, notes: str = "", *,
                 request=None) -> RectificationTicket:
    """办结: the applicant's view of the rectification (asked on a second call), and a note."""
    ticket = _locked_ticket(ticket)
    policy.may_close(ticket, user).enforce()
    if applicant_view not in RectificationTicket.View.values:
        raise DomainError(_("请选择申请人对整改结果的评价。"), code="view")
    before = ticket.status
    ticket.applicant_view = applicant_view
    ticket.closing_notes = (notes or "").strip()[:2000]
    ticket.closed_at, ticket.closed_by = timezone.now(), user
    ticket.status = TicketStatus.CLOSED
    ticket.save(update_fields=["applicant_view", "closing_notes", "closed_at", "closed_by", "status"])
    record_audit(user, "rating_close", ticket, from_state=before, to_state=ticket.status, opinion=ticket.closing_notes,
                 request=request, data={"applicant_view": applicant_view,
                                        "on_time": timezone.localdate(ticket.closed_at) <= ticket.due_on})
    return ticket


# --- appeals ------------------------------------------------------------------------------------------------------


@transaction.atomic
def request_appeal(ticket: RectificationTicket, user: User, reason: str, *, request=None) -> MaliciousAppeal:
    ticket = _locked_ticket(ticket)
    policy.may_appeal(ticket, user).enforce()
    reason = _text(reason, _("请写明认定为恶意差评的理由。"), "reason")
    try:
        with transaction.atomic():
            appeal = MaliciousAppeal.objects.create(rating=ticket.rating, reason=reason, requested_by=user)
    except IntegrityError:
        raise Conflict(_("该差评已有待确认的申诉。"), code="appeal_pending") from None
    record_audit(user, "rating_appeal", appeal, to_state=appeal.outcome, opinion=reason, request=request,
                 data={"ticket": ticket.pk, "rating": ticket.rating_id})
    return appeal


@transaction.atomic
def decide_appeal(appeal: MaliciousAppeal, user: User, confirm: bool, notes: str = "", *,
                  request=None) -> MaliciousAppeal:
    appeal = MaliciousAppeal.objects.select_for_update(of=("self",)).select_related("rating").get(pk=appeal.pk)
    policy.may_decide_appeal(appeal, user).enforce()
    notes = (notes or "").strip()
    if not confirm and not notes:
        raise DomainError(_("驳回申诉时请填写意见。"), code="notes")
    appeal.outcome = MaliciousAppeal.Outcome.CONFIRMED if confirm else MaliciousAppeal.Outcome.REJECTED
    appeal.decided_by, appeal.decided_at, appeal.decision_notes = user, timezone.now(), notes[:2000]
    appeal.save(update_fields=["outcome", "decided_by", "decided_at", "decision_notes"])
    record_audit(user, "rating_appeal_decide", appeal, from_state=MaliciousAppeal.Outcome.PENDING,
                 to_state=appeal.outcome, opinion=notes, request=request)
    if confirm:
        Rating.objects.filter(pk=appeal.rating_id).update(malicious=True)
        ticket = RectificationTicket.objects.select_for_update().filter(rating_id=appeal.rating_id).first()
        if ticket is not None and ticket.status != TicketStatus.VOID:
            before = ticket.status
            ticket.status = TicketStatus.VOID
            ticket.save(update_fields=["status"])
            record_audit(user, "rating_ticket_void", ticket, from_state=before, to_state=ticket.status,
                         opinion=appeal.reason, request=request)
    return appeal
