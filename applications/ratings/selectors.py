"""Reads of 好差评: the ticket list and page, the appeals awaiting a leader, the figures.

`dashboard_figures(start, end, ...)` is what the dashboards call: one aggregate query over the ratings given from
`start` to `end` (dates, both included, in the centre's time zone) and their tickets. `monthly_rates(...)` feeds
the public guide pages (per month, per department), cached briefly.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from applications.ratings import policy
from applications.ratings.models import (
    BAD_LEVELS,
    GOOD_LEVELS,
    OPEN_TICKET_STATUSES,
    Level,
    MaliciousAppeal,
    Rating,
    RectificationTicket,
    TicketStatus,
)
from portal import clock
from portal.models import User

PAGE_SIZE = 20
GUIDE_MONTHS = 6
GUIDE_CACHE_SECONDS = 600


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100.0 / whole, 2) if whole else None


def dashboard_figures(start: date, end: date, department_id: int | None = None, section_id: int | None = None,
                      item_id: int | None = None) -> dict:
    """The ratings given from `start` to `end` (both included), optionally of one department, section or item.

    Returns:
      levels: {5: n, 4: n, 3: n, 2: n, 1: n} (every rating, malicious ones included), total, malicious,
      counted (ratings that count: not malicious), satisfied (非常满意 + 满意 + 基本满意 among them),
      satisfaction_rate (percent, 2 decimals; None when nothing counts), bad_ratings (不满意 + 非常不满意, not
      malicious), tickets_opened, tickets_closed, tickets_closed_on_time, tickets_overdue (open past their
      deadline today, or closed after it), tickets_open, rectification_rate (closed bad-rating tickets / bad
      ratings, percent; None when there is no bad rating). Tickets of malicious ratings (voided) are left out.
    One query (conditional aggregates over ratings LEFT JOIN tickets)."""
    lower, upper = _bounds(start, end)
    ratings = Rating.objects.filter(created_at__gte=lower, created_at__lt=upper)
    if department_id is not None:
        ratings = ratings.filter(department_id=department_id)
    if section_id is not None:
        ratings = ratings.filter(section_id=section_id)
    if item_id is not None:
        ratings = ratings.filter(item_id=item_id)
    today = clock.today()
    counts = Q(malicious=False)
    ticket = Q(malicious=False, ticket__isnull=False)
    closed = ticket & Q(ticket__status=TicketStatus.CLOSED)
    on_time = closed & Q(ticket__closed_at__date__lte=F("ticket__due_on"))
    open_ = ticket & Q(ticket__status__in=OPEN_TICKET_STATUSES)
    overdue = (open_ & Q(ticket__due_on__lt=today)) | (closed & Q(ticket__closed_at__date__gt=F("ticket__due_on")))
    aggregates = {f"level_{value}": Count("pk", filter=Q(level=value)) for value in Level.values}
    aggregates.update(
        n_total=Count("pk"),
        n_malicious=Count("pk", filter=Q(malicious=True)),
        n_counted=Count("pk", filter=counts),
        n_satisfied=Count("pk", filter=counts & Q(level__in=GOOD_LEVELS)),
        n_bad_ratings=Count("pk", filter=counts & Q(level__in=BAD_LEVELS)),
        n_tickets_opened=Count("ticket", filter=ticket),
        n_tickets_closed=Count("ticket", filter=closed),
        n_tickets_closed_on_time=Count("ticket", filter=on_time),
        n_tickets_overdue=Count("ticket", filter=overdue),
        n_tickets_open=Count("ticket", filter=open_),
    )
    row = ratings.aggregate(**aggregates)
    figures = {key[2:]: value for key, value in row.items() if key.startswith("n_")}
    figures["levels"] = {value: row[f"level_{value}"] for value in sorted(Level.values, reverse=True)}
    figures["satisfaction_rate"] = _rate(figures["satisfied"], figures["counted"])
    figures["rectification_rate"] = _rate(figures["tickets_closed"], figures["bad_ratings"])
    return figures


def monthly_rates(department_id: int | None, *, months: int = GUIDE_MONTHS, today: date | None = None) -> list[dict]:
    """The satisfaction rate of each of the last `months` months (the current one included), of one department
    (None: the whole centre), newest first: [{month: date, counted: n, rate: percent or None}]. One GROUP BY
    query, cached for a few minutes."""
    today = today or clock.today()
    first = today.replace(day=1)
    for _step in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    key = f"ratings:monthly:{department_id or 'all'}:{today.isoformat()}:{months}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    lower, upper = _bounds(first, today)
    ratings = Rating.objects.filter(created_at__gte=lower, created_at__lt=upper, malicious=False)
    if department_id is not None:
        ratings = ratings.filter(department_id=department_id)
    rows = (ratings.annotate(month=TruncMonth("created_at")).values("month")
            .annotate(counted=Count("pk"), satisfied=Count("pk", filter=Q(level__in=GOOD_LEVELS))).order_by())
    by_month = {timezone.localtime(r["month"]).date().replace(day=1) if isinstance(r["month"], datetime)
                else r["month"]: r for r in rows}
    result = []
    month = today.replace(day=1)
    for _step in range(months):
        found = by_month.get(month, {"counted": 0, "satisfied": 0})
        result.append({"month": month, "counted": found["counted"], "rate": _rate(found["satisfied"], found["counted"])})
        month = (month - timedelta(days=1)).replace(day=1)
    cache.set(key, result, GUIDE_CACHE_SECONDS)
    return result


# --- pages --------------------------------------------------------------------------------------------------------


def tickets_for(user: User, *, state: str = "open") -> QuerySet[RectificationTicket]:
    tickets = policy.visible_tickets(user).select_related("section", "rating__item", "rating__application")
    today = clock.today()
    if state == "open":
        tickets = tickets.filter(status__in=OPEN_TICKET_STATUSES)
    elif state == "overdue":
        tickets = tickets.filter(status__in=OPEN_TICKET_STATUSES, due_on__lt=today)
    elif state == "closed":
        tickets = tickets.filter(status__in=[TicketStatus.CLOSED, TicketStatus.VOID])
    return tickets.order_by("due_on", "id")


def ticket_counts(user: User) -> dict:
    today = clock.today()
    return policy.visible_tickets(user).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_TICKET_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_TICKET_STATUSES, due_on__lt=today)),
    )


def ticket_detail(user: User, pk: int) -> RectificationTicket | None:
    return (policy.visible_tickets(user)
            .select_related("section", "call_by", "rectified_by", "closed_by", "rating__item", "rating__applicant",
                            "rating__application", "rating__visit__clerk", "rating__department")
            .filter(pk=pk).first())


def appeals_of(ticket: RectificationTicket) -> list[MaliciousAppeal]:
    return list(ticket.rating.appeals.select_related("requested_by", "decided_by"))


def pending_appeals(user: User) -> QuerySet[MaliciousAppeal]:
    return (policy.visible_appeals(user).filter(outcome=MaliciousAppeal.Outcome.PENDING)
            .select_related("requested_by", "rating__ticket__section", "rating__item").order_by("requested_at", "id"))


def appeal_for(user: User, pk: int) -> MaliciousAppeal | None:
    return policy.visible_appeals(user).select_related("rating__ticket").filter(pk=pk).first()


def rating_prompt(application) -> dict | None:
    """What the application page says about rating: None before completion or after the rating window when it
    was not rated; else the online rating given (or None: the link is shown). One query, only when closed."""
    if application.status != "closed" or application.finished_at is None:
        return None
    given = application.ratings.filter(visit__isnull=True).first()
    if given is None and not policy.rating_open(application):
        return None
    return {"given": given}
