"""Reads of the problem desk: the queue with filters, one ticket, the filer's list, the public steps, and the
dashboard figures (SQL aggregation)."""
from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.problems import policy
from applications.problems.models import ProblemChannel, ProblemStatus, ProblemTicket, Satisfaction
from portal import clock

STATES = {
    "open": Q(status__in=[ProblemStatus.RECEIVED, ProblemStatus.COORDINATING, ProblemStatus.REPLIED]),
    "received": Q(status=ProblemStatus.RECEIVED),
    "coordinating": Q(status=ProblemStatus.COORDINATING),
    "overdue": Q(status=ProblemStatus.COORDINATING),  # plus the date filter in queue()
    "replied": Q(status=ProblemStatus.REPLIED),
    "done": Q(status__in=[ProblemStatus.FOLLOWED_UP, ProblemStatus.CLOSED]),
    "all": Q(),
}


def queue(user, *, state: str = "open", channel: str = "", q: str = "") -> QuerySet[ProblemTicket]:
    rows = policy.visible_tickets(user).filter(STATES.get(state, STATES["open"]))
    if state == "overdue":
        rows = rows.filter(reply_due_on__lt=clock.today())
    if channel in ProblemChannel.values:
        rows = rows.filter(channel=channel)
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(number__iexact=q) | Q(work_order_number=q) | Q(title__icontains=q)
                           | Q(related_case_number__iexact=q))
    return rows.select_related("section", "department").order_by("-received_at", "-id")


def counts(user) -> dict:
    today = clock.today()
    return policy.visible_tickets(user).aggregate(
        received=Count("id", filter=Q(status=ProblemStatus.RECEIVED)),
        coordinating=Count("id", filter=Q(status=ProblemStatus.COORDINATING)),
        overdue=Count("id", filter=Q(status=ProblemStatus.COORDINATING, reply_due_on__lt=today)),
        replied=Count("id", filter=Q(status=ProblemStatus.REPLIED)),
    )


def ticket_for(user, pk: int) -> ProblemTicket | None:
    return (policy.visible_tickets(user)
            .select_related("section", "department", "platform", "assigned_by", "replied_by", "follow_up_by",
                            "recorded_by")
            .filter(pk=pk).first())


def my_tickets(user) -> QuerySet[ProblemTicket]:
    if not (user and user.is_authenticated):
        return ProblemTicket.objects.none()
    return ProblemTicket.objects.filter(filed_by=user).order_by("-received_at", "-id")


def assigned_to_me(user) -> QuerySet[ProblemTicket]:
    """Tickets waiting for a reply from the user's section or department."""
    return (ProblemTicket.objects.filter(policy.assigned_rule(user), status=ProblemStatus.COORDINATING)
            .select_related("section", "department").order_by("reply_due_on", "id"))


def overdue_tickets() -> QuerySet[ProblemTicket]:
    return (ProblemTicket.objects.filter(status=ProblemStatus.COORDINATING, reply_due_on__lt=clock.today())
            .select_related("section", "department").order_by("reply_due_on", "id"))


def steps(ticket: ProblemTicket) -> list[dict]:
    """The steps the filer sees (public page and their own page): what happened and when, never who or the contact."""
    rows = [{"key": "received", "label": _("受理"), "at": ticket.received_at,
             "text": _("已登记（%(c)s）") % {"c": ticket.get_channel_display()}}]
    if ticket.assigned_at:
        rows.append({"key": "coordinating", "label": _("协调交办"), "at": ticket.assigned_at,
                     "text": _("已交办%(a)s，答复期限 %(d)s") % {
                         "a": ticket.assignee, "d": ticket.reply_due_on.isoformat()}})
    if ticket.replied_at:
        rows.append({"key": "replied", "label": _("答复"), "at": ticket.replied_at, "text": ticket.reply})
    if ticket.follow_up_at:
        rows.append({"key": "followed_up", "label": _("回访"), "at": ticket.follow_up_at,
                     "text": _("回访满意度：%(s)s") % {"s": ticket.get_satisfaction_display()}})
    if ticket.closed_at:
        rows.append({"key": "closed", "label": _("办结"), "at": ticket.closed_at, "text": _("已办结")})
    return rows


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end, time.max), tz))


def dashboard_figures(start: date, end: date, department_id: int | None = None,
                      section_id: int | None = None) -> dict:
    """Figures of the tickets received from `start` to `end` (local dates, both included), optionally only those
    assigned to one department or section, in one aggregate query:

    received: {channel: count} (every channel, zeros included) and received_total;
    replied_on_time / replied_late: replied by / after the deadline; overdue_open: not replied, past the deadline;
    average_reply_working_days: over the replied ones (None when none), rounded to 0.1;
    satisfaction: {level: count} of the follow-up calls, followed_up, and satisfied_rate (满意 + 基本满意 over
    followed-up, a percentage rounded to 0.1, None when none)."""
    low, high = _bounds(start, end)
    rows = ProblemTicket.objects.filter(received_at__gte=low, received_at__lte=high)
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    if section_id is not None:
        rows = rows.filter(section_id=section_id)
    today = clock.today()
    replied = Q(replied_at__isnull=False)
    # replied_at is a timestamp and reply_due_on a local date: the reply is on time up to the end of that day.
    on_time = replied & Q(replied_at__date__lte=F("reply_due_on"))
    aggregates = {f"ch_{value}": Count("id", filter=Q(channel=value)) for value in ProblemChannel.values}
    aggregates.update({f"sat_{value}": Count("id", filter=Q(satisfaction=value)) for value in Satisfaction.values})
    figures = rows.aggregate(
        total=Count("id"),
        on_time=Count("id", filter=on_time),
        late=Count("id", filter=replied & ~Q(replied_at__date__lte=F("reply_due_on"))),
        overdue_open=Count("id", filter=Q(replied_at__isnull=True, reply_due_on__lt=today)),
        average=Avg("reply_working_days", filter=replied),
        followed=Count("id", filter=Q(follow_up_at__isnull=False)),
        **aggregates,
    )
    satisfaction = {value: figures[f"sat_{value}"] for value in Satisfaction.values}
    followed = figures["followed"]
    good = satisfaction[Satisfaction.SATISFIED] + satisfaction[Satisfaction.BASIC]
    return {
        "received": {value: figures[f"ch_{value}"] for value in ProblemChannel.values},
        "received_total": figures["total"],
        "replied_on_time": figures["on_time"],
        "replied_late": figures["late"],
        "overdue_open": figures["overdue_open"],
        "average_reply_working_days": None if figures["average"] is None else round(float(figures["average"]), 1),
        "satisfaction": satisfaction,
        "followed_up": followed,
        "satisfied_rate": round(100.0 * good / followed, 1) if followed else None,
    }
