"""Reads of 审管联动: the department's feed with filters, a handoff with its records and deliveries, the pull feed,
the leaders' overdue view."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from portal import clock
from supervision import policy
from supervision.models import Delivery, DepartmentToken, Feed, Handoff, Subscription

STATES = ("unclaimed", "overdue", "claimed", "all")


def feed(user, *, state: str = "unclaimed", kind: str = "", q: str = "") -> QuerySet[Handoff]:
    handoffs = policy.visible_handoffs(user).select_related("department", "claimed_by")
    if state == "unclaimed":
        handoffs = handoffs.filter(claimed_at__isnull=True)
    elif state == "overdue":
        handoffs = handoffs.filter(claimed_at__isnull=True, claim_due_on__lt=clock.today())
    elif state == "claimed":
        handoffs = handoffs.filter(claimed_at__isnull=False)
    if kind in Handoff.Kind.values:
        handoffs = handoffs.filter(kind=kind)
    q = (q or "").strip()
    if q:
        handoffs = handoffs.filter(Q(payload__case_number=q) | Q(payload__certificate__licence_number=q)
                                   | Q(payload__applicant__name__startswith=q)
                                   | Q(payload__item__name__contains=q))
    if state == "claimed":
        return handoffs.order_by("-claimed_at", "-sequence")
    return handoffs.order_by("claim_due_on", "sequence")


def handoff_for(user, public_id) -> Handoff | None:
    return (policy.visible_handoffs(user).select_related("department", "claimed_by", "certificate", "application")
            .filter(public_id=public_id).first())


def counts(user) -> dict:
    today = clock.today()
    row = policy.visible_handoffs(user).aggregate(
        unclaimed=Count("pk", filter=Q(claimed_at__isnull=True)),
        overdue=Count("pk", filter=Q(claimed_at__isnull=True, claim_due_on__lt=today)),
        checks_due=Count("pk", filter=Q(kind=Handoff.Kind.COMMITMENT, claimed_at__isnull=False,
                                        records__isnull=True)),
    )
    return row


def pull(department, after: int, limit: int) -> list[Handoff]:
    """The pull feed: the department's handoffs after a sequence number, in order (the unique index serves it)."""
    return list(Handoff.objects.filter(department=department, sequence__gt=after).select_related("department")
                .order_by("sequence")[:limit])


def feed_state(department) -> Feed:
    return Feed.objects.filter(department=department).first() or Feed(department=department)


def subscriptions(department) -> list[Subscription]:
    return list(Subscription.objects.filter(department=department).order_by("-active", "name").annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
        dead=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DEAD))))


def tokens(department) -> list[DepartmentToken]:
    return list(DepartmentToken.objects.filter(department=department).order_by("revoked_at", "-created_at"))


def deliveries(user, *, status: str = "") -> QuerySet[Delivery]:
    rows = (Delivery.objects.select_related("subscription__department", "subscription__platform", "handoff")
            .order_by("-handoff__created_at"))
    if not policy.sees_all(user):
        department = policy.department_of(user)
        rows = rows.filter(subscription__department=department) if department else rows.none()
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    return rows
