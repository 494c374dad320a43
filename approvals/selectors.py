"""Reads of the receive stage: the intake queue, an application as the clerk sees it, notices, cases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from applications import selectors as app_selectors
from applications.models import Application, Status
from approvals.models import ApprovalCase, IntakeClaim, Notice
from portal import clock
from portal.models import User


def intake_queue(*, clerk: User | None = None, mine: bool = False, query: str = "") -> QuerySet[Application]:
    """Submitted applications, oldest arrival first (served by the partial index on submitted rows)."""
    queue = Application.objects.filter(status=Status.SUBMITTED).select_related(
        "applicant", "intake_claim__clerk", "bundle")
    if mine and clerk is not None:
        queue = queue.filter(intake_claim__clerk=clerk)
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
        if self.days_left < 0:
            return "red"
        if self.days_left <= 1:
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


def intake_application(pk: int) -> Application | None:
    application = app_selectors.application_for_staff(pk)
    if application is None:
        return None
    application.claim = IntakeClaim.objects.select_related("clerk").filter(application=application).first()
    return application


def cases_of(application: Application) -> list[ApprovalCase]:
    return list(ApprovalCase.objects.filter(application=application).select_related("item_version", "section",
                                                                                  "accepted_by").order_by("id"))


def notices_of(application: Application) -> list[Notice]:
    return list(Notice.objects.filter(application=application).defer("body_html").order_by("issued_at", "id"))


def notice_for(user: User, pk: int) -> Notice | None:
    """A notice the user may read: staff of the back office, or the applicant side of its application."""
    if not user.is_authenticated:
        return None
    notices = Notice.objects.select_related("application")
    if not user.is_back_office:
        notices = notices.filter(application__in=app_selectors.visible_applications(user))
    return notices.filter(pk=pk).first()


def open_cases() -> QuerySet[ApprovalCase]:
    from approvals.models import CLOSED_STAGES

    return ApprovalCase.objects.exclude(stage__in=CLOSED_STAGES)


def recent_decisions(clerk: User, limit: int = 10) -> QuerySet[Notice]:
    return Notice.objects.filter(issued_by=clerk).select_related("application").order_by("-issued_at")[:limit]


def with_cases(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.prefetch_related(Prefetch("approval_cases", queryset=ApprovalCase.objects.order_by("id")))
