"""Reads of the receive stage: the intake queue, an application as the clerk sees it, the issuing window."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from applications import selectors as app_selectors
from applications.models import Application, Status
from approvals.cases.models import ApprovalCase
from approvals.intake.models import IntakeClaim
from approvals.models import Notice
from catalog.codesets import Channel
from portal import clock
from portal.models import User

def intake_queue(*, clerk: User | None = None, mine: bool = False, query: str = "",
                 claimed: bool | None = None) -> QuerySet[Application]:
    """Submitted applications, oldest arrival first (served by the partial index on submitted rows).

    `claimed` True/False keeps only claimed/unclaimed rows (None: both)."""
    queue = Application.objects.filter(status=Status.SUBMITTED).select_related(
        "applicant", "intake_claim__clerk", "bundle")
    if mine and clerk is not None:
        queue = queue.filter(intake_claim__clerk=clerk)
    if claimed is not None:
        queue = queue.filter(intake_claim__isnull=not claimed)
    if query:
        query = query.strip()
        queue = queue.filter(case_number__icontains=query) | queue.filter(title__icontains=query) | queue.filter(
            applicant__name__icontains=query)
    return queue.order_by("received_at", "id")


@dataclass
class QueueRow:
    application: Application
    days_left: int
    claimed_by: User | None

    @property
    def urgency(self) -> str:
        if self.days_left <= 1:
            return "red"
        if self.days_left <= 2:
            return "yellow"
        return "green"


def queue_rows(applications, on: date | None = None) -> list[QueueRow]:
    """Working days left of the 5-day intake limit per row (the clock's cached calendar: no queries)."""
    rows = []
    for application in applications:
        claim = getattr(application, "intake_claim", None) if _has_claim(application) else None
        rows.append(QueueRow(application, clock.working_days_left(application.intake_due_date, on=on),
                             claim.clerk if claim else None))
    return rows


def _has_claim(application: Application) -> bool:
    try:
        application.intake_claim
    except IntakeClaim.DoesNotExist:
        return False
    return True


def intake_application(user: User, pk: int) -> Application | None:
    """An application as the desk sees it (approvals.policy decides which), with its claim; None answers 404."""
    from approvals.policy import visible_applications

    application = app_selectors.application_within(visible_applications(user), pk)
    if application is None:
        return None
    application.claim = IntakeClaim.objects.select_related("clerk").filter(application=application).first()
    return application


def recent_decisions(clerk: User, limit: int = 10) -> QuerySet[Notice]:
    return Notice.objects.filter(issued_by=clerk).select_related("application").order_by("-issued_at")[:limit]


def with_cases(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.prefetch_related(Prefetch("approval_cases", queryset=ApprovalCase.objects.order_by("id")))


def walk_in_drafts(clerk: User, limit: int = 10) -> list[Application]:
    """The clerk's walk-in applications not yet submitted (filled at the window, resumable)."""

    return list(Application.objects.filter(status=Status.DRAFT, channel=Channel.WINDOW, filed_by=clerk)
                .select_related("applicant").order_by("-updated_at", "-id")[:limit])


def at_issuing_window() -> QuerySet[Application]:
    """Applications decided on every item, oldest decision first: the issuing window's work (统一出件)."""
    return (Application.objects.filter(status=Status.DECIDED)
            .select_related("applicant").order_by("decided_at", "id"))
