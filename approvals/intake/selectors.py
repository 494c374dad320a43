"""Reads of the receive stage: the intake queue, an application as the clerk sees it, the issuing window."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from applications import selectors as app_selectors
from applications.models import Application, ApplicationItem, Status
from approvals import timers
from approvals.cases.models import ApprovalCase, Colour
from approvals.certificates.models import Certificate
from approvals.intake.models import Handover, IntakeClaim
from approvals.models import Notice
from approvals.notices import notice_pdf_url, notices_of
from catalog.codesets import Channel
from portal import clock
from portal.identifiers import normalise_identifier
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


# --- the issuing window (统一窗口出件) -------------------------------------------------------------------------------

# The notices that are an application's result, handed over at the issuing window (decisions, granted or denied).
CERTIFICATE_FIELDS = ("pk", "public_id", "application_id", "name", "licence_number", "electronic_id", "issued_at",
                      "rendered_at", "standing")
RESULT_NOTICE_KINDS = (Notice.Kind.APPROVAL, Notice.Kind.DENIAL, Notice.Kind.INSTANT_DECISION)


def at_issuing_window(query: str = "") -> QuerySet[Application]:
    """Applications decided on every item and not yet handed over, the nearest Art. 44 date first (served by
    the partial index on decided rows); `query` finds a case number, an applicant's name or ID number."""
    waiting = Application.objects.filter(status=Status.DECIDED).select_related("applicant", "bundle")
    query = (query or "").strip()
    if query:
        waiting = waiting.filter(Q(case_number__icontains=query) | Q(applicant__name__icontains=query)
                                 | Q(applicant__id_number=normalise_identifier(query)))
    return waiting.order_by("issue_due_on", "id")


def with_documents(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Prefetch what documents_for() and the item column read: one query each for a whole page."""
    return queryset.prefetch_related(
        Prefetch("items", queryset=ApplicationItem.objects.select_related("item_version").order_by("sort_order", "id")),
        Prefetch("notices", queryset=Notice.objects.filter(kind__in=RESULT_NOTICE_KINDS).defer("body_html")
                 .order_by("issued_at", "id"), to_attr="result_notices"),
        Prefetch("certificates", queryset=Certificate.objects.filter(standing=Certificate.Standing.VALID)
                 .only(*CERTIFICATE_FIELDS).order_by("issued_at", "id"), to_attr="result_certificates"),
    )


@dataclass(frozen=True)
class Document:
    """One document handed over with an application's results: its page, and its PDF (printing = opening it)."""

    kind: str  # "notice" or "certificate"
    title: str
    number: str
    issued_at: datetime
    url: str
    pdf_url: str | None  # None while the PDF is being made


def documents_for(application: Application) -> list[Document]:
    """THE list of documents an application's results consist of, for the issuing queue, the handover page and
    the API: its decision notices (approvals.notices) and its certificates in force (a corrected version replaces
    the old one; a bundle's joint certificates all appear together). From the rows with_documents() prefetched
    when there are any, else read here."""
    notices = getattr(application, "result_notices", None)
    if notices is None:
        notices = [n for n in notices_of(application) if n.kind in RESULT_NOTICE_KINDS]
    certificates = getattr(application, "result_certificates", None)
    if certificates is None:
        certificates = list(Certificate.objects.filter(application=application, standing=Certificate.Standing.VALID)
                            .only(*CERTIFICATE_FIELDS).order_by("issued_at", "id"))
    documents = [Document("notice", n.title, n.number, n.issued_at, reverse("approvals:notice", args=[n.public_id]),
                          notice_pdf_url(n)) for n in notices]
    documents += [Document("certificate", c.name, c.licence_number, c.issued_at,
                           reverse("verify:certificate", args=[c.electronic_id]),
                           reverse("approvals:certificate_pdf", args=[c.public_id]) if c.rendered_at else None)
                  for c in certificates]
    return documents


@dataclass
class IssuingRow:
    application: Application
    days_left: int  # working days to the Art. 44 date: 0 on the day, negative once passed
    colour: Colour

    @cached_property
    def documents(self) -> list[Document]:
        return documents_for(self.application)

    @property
    def colour_name(self) -> str:
        return {Colour.RED: "red", Colour.YELLOW: "yellow"}.get(self.colour, "green")

    @property
    def items(self) -> list[str]:
        return [ai.item_version.name for ai in self.application.items.all()]


def issuing_rows(applications, on: date | None = None) -> list[IssuingRow]:
    """The queue's rows: days left and colour from the cached calendar (no queries); the documents when read
    (prefetch them with with_documents())."""
    on = on or clock.today()
    return [IssuingRow(a, clock.working_days_left(a.issue_due_on, on=on), timers.issue_colour(a.issue_due_on, on))
            for a in applications]


def handover_of(application: Application) -> Handover | None:
    return Handover.objects.select_related("recorded_by").filter(application=application).first()


# --- 补正收件 (the window takes the papers a walk-in applicant owes) ---------------------------------------------


def awaiting_supplement(query: str = "") -> QuerySet[Application]:
    """Walk-in applications waiting for the applicant's supplement, the nearest limit first; `query` finds a case
    number, an applicant's name or ID number."""
    from applications.models import SupplementRequest

    open_requests = SupplementRequest.objects.filter(answered_at__isnull=True, lapsed_at__isnull=True)
    waiting = (Application.objects.filter(status=Status.SUPPLEMENT_REQUESTED, channel=Channel.WINDOW)
               .select_related("applicant", "bundle")
               .prefetch_related(Prefetch("supplement_requests", queryset=open_requests.prefetch_related(
                   "items__material"), to_attr="open_supplements")))
    query = (query or "").strip()
    if query:
        waiting = waiting.filter(Q(case_number__icontains=query) | Q(applicant__name__icontains=query)
                                 | Q(applicant__id_number=normalise_identifier(query)))
    return waiting.order_by("received_at", "id")


@dataclass
class SupplementRow:
    application: Application
    supplement: object  # the open SupplementRequest (None when it was answered or lapsed meanwhile)

    @cached_property
    def items(self) -> list:
        return list(self.supplement.items.all()) if self.supplement else []

    @property
    def due_date(self) -> date | None:
        return self.supplement.due_date if self.supplement else None

    @cached_property
    def days_left(self) -> int | None:
        return clock.working_days_left(self.due_date) if self.due_date else None

    @property
    def overdue(self) -> bool:
        return self.due_date is not None and self.due_date < clock.today()

    @property
    def urgency(self) -> str:
        if self.days_left is None or self.days_left <= 2:
            return "red"
        return "yellow" if self.days_left <= 5 else "green"


def supplement_rows(applications) -> list[SupplementRow]:
    rows = []
    for application in applications:
        found = getattr(application, "open_supplements", None)
        if found is None:
            found = list(application.supplement_requests.filter(answered_at__isnull=True, lapsed_at__isnull=True)
                         .prefetch_related("items__material"))
        rows.append(SupplementRow(application, found[0] if found else None))
    return rows
