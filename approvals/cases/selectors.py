"""Reads of the staged workflow: the stage queues, one case with its history, site visits, extension requests
and the leader's overview. Which cases a person may see at all is approvals.cases.policy.visible_cases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationMaterial, UploadedFile
from approvals.cases.models import (
    CLOSED_STAGES,
    COLOUR_NAMES,
    QUEUE_STAGES,
    ApprovalCase,
    CaseWarning,
    Colour,
    ExtensionRequest,
    Inspection,
    DecisionDraft,
    LegalReview,
    Suspension,
    alarm_q,
    colour_of,
    colour_q,
    colour_sql,
    warned_q,
)
from approvals.cases.policy import section_ids, visible_cases
from catalog.models import Section
from portal import clock
from portal.audit import SYSTEM_NAME
from portal.models import AuditEvent, User
from portal.roles import Role

CASE_CORE = ("application__applicant", "application__bundle", "item_version", "section")
CASE_RELATED = (*CASE_CORE, "assignee", "accepted_by", "reviewer")


def queue(stage: str, *, officer: User | None = None, section: Section | int | None = None, mine: bool = False,
          waiting: bool = False, colour: int | None = None, query: str = "") -> QuerySet[ApprovalCase]:
    """Open cases of one stage's queue, most urgent first: by the promised date, which orders red (past it),
    yellow (near it) and green alike, with suspended cases where their dates stopped; the officer's
    sections (or one section; legal review: every flagged case). `mine`: held by the officer; `waiting`:
    held by nobody. One query for a page plus one count (select_related, no per-row queries)."""
    cases = ApprovalCase.objects.filter(stage__in=QUEUE_STAGES[stage]).select_related(*CASE_RELATED)
    if section is not None:
        cases = cases.filter(section_id=getattr(section, "pk", section))
    elif officer is not None and stage != "legal_review":
        cases = cases.filter(section_id__in=section_ids(officer))
    # Legal review needs no filter on the item version: only flagged items ever reach that stage (services).
    if mine and officer is not None:
        cases = cases.filter(assignee=officer)
    if waiting:
        cases = cases.filter(assignee__isnull=True)
    if colour is not None:
        cases = cases.filter(colour_q(colour, clock.today()))
    if query:
        query = query.strip()
        cases = cases.filter(Q(application__case_number__icontains=query) | Q(application__title__icontains=query)
                             | Q(application__applicant__name__icontains=query))
    return cases.order_by("promised_due_date", "id")


def my_cases(officer: User) -> QuerySet[ApprovalCase]:
    """Every open case the officer holds, across stages, most urgent first."""
    return (ApprovalCase.objects.filter(assignee=officer).exclude(stage__in=CLOSED_STAGES)
            .select_related(*CASE_RELATED).order_by("promised_due_date", "id"))


@dataclass
class CaseRow:
    case: ApprovalCase
    days_left: int  # working days to the promised date (0 on the day, negative once passed)
    statutory_days_left: int
    colour: str  # "red" / "yellow" / "green" on the day the rows were made for
    statutory_alarm: bool

    @property
    def suspended(self) -> bool:
        return self.case.suspended_since is not None


def case_rows(cases, on: date | None = None) -> list[CaseRow]:
    """Working days left and the colour per row from the cached calendar (no queries). A suspended case shows
    the days left when it stopped (its dates move when it resumes)."""
    today = on or clock.today()
    rows = []
    for case in cases:
        day = case.suspended_since or on
        rows.append(CaseRow(case, clock.working_days_left(case.promised_due_date, on=day),
                            clock.working_days_left(case.statutory_due_date, on=day),
                            COLOUR_NAMES[colour_of(case.yellow_from, case.red_from, today)],
                            case.statutory_alarm_on(today)))
    return rows


@dataclass
class Overview:
    by_section: list[dict]  # {"section_id", "section__name", "red", "yellow", "alarm", "open"}
    totals: dict
    cases: QuerySet[ApprovalCase]  # everything red, yellow or in statutory alarm, most urgent first


def leader_overview(*, sections=None, today: date | None = None) -> Overview:
    """Everything overdue or near it across sections: grouped counts (one query) and the warned cases, their
    colours derived from the timer days as every page does (approvals.cases.models.colour_q / colour_sql)."""
    today = today or clock.today()
    open_cases_ = ApprovalCase.objects.exclude(stage__in=CLOSED_STAGES)
    if sections is not None:
        open_cases_ = open_cases_.filter(section__in=sections)
    grouped = list(
        open_cases_.values("section_id", "section__name").annotate(
            red=Count("id", filter=colour_q(Colour.RED, today)),
            yellow=Count("id", filter=colour_q(Colour.YELLOW, today)),
            alarm=Count("id", filter=alarm_q(today)),
            suspended=Count("id", filter=Q(suspended_since__isnull=False)),
            open=Count("id"),
        ).order_by("section__name")
    )
    totals = {key: sum(row[key] for row in grouped) for key in ("red", "yellow", "alarm", "suspended", "open")}
    warned = (open_cases_.filter(warned_q(today)).select_related(*CASE_RELATED)
              .annotate(alarm_now=ExpressionWrapper(alarm_q(today), output_field=BooleanField()),
                        colour_now=colour_sql(today))
              .order_by("-alarm_now", "colour_now", "promised_due_date", "id"))
    return Overview(grouped, totals, warned)


def pending_extensions(user: User) -> QuerySet[ExtensionRequest]:
    """Extension requests waiting for this head (their sections) or any leader."""
    pending = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).select_related(
        "case__application", "case__item_version", "case__section", "requested_by")
    if user.has_role(Role.BUREAU_LEADER):
        return pending.order_by("requested_at")
    if user.has_role(Role.SECTION_HEAD):
        return pending.filter(case__section__head=user).order_by("requested_at")
    return pending.none()


def inspections_for(user: User, *, open_only: bool = True) -> QuerySet[Inspection]:
    """Site visits the person inspects (or scheduled), soonest first."""
    visits = Inspection.objects.filter(Q(inspectors=user) | Q(scheduled_by=user)).distinct()
    if open_only:
        visits = visits.filter(outcome="")
    return visits.select_related("recorded_by").prefetch_related("cases__application", "cases__item_version", "inspectors").order_by(
        "scheduled_on", "id")


@dataclass(frozen=True)
class WarningEntry:
    """A deadline warning in a case's history, shaped like the audit rows around it."""

    action: str
    actor_name: str
    created_at: datetime
    opinion: str
    from_state: str = ""
    to_state: str = ""


def case_history(case: ApprovalCase) -> list[AuditEvent | WarningEntry]:
    """The case's audit rows and the deadline warnings sent for it (approvals.CaseWarning), oldest first (who,
    when, from/to stage, action, opinion)."""
    events = list(AuditEvent.objects.filter(object_type="approvals.approvalcase", object_id=str(case.pk))
                  .select_related("actor").order_by("created_at", "id"))
    labels = {CaseWarning.Kind.ALARM: _("法定办结期限 %(d)s"), CaseWarning.Kind.RED: _("承诺办结日期 %(d)s"),
              CaseWarning.Kind.YELLOW: _("承诺办结日期 %(d)s")}
    warnings = [WarningEntry("case_warning", SYSTEM_NAME, w.sent_at, "%s（%s）" % (
        w.get_kind_display(), labels[w.kind] % {"d": w.due_date.isoformat()}))
        for w in CaseWarning.objects.filter(case=case).order_by("sent_at", "id")]
    if not warnings:
        return events
    return sorted(events + warnings, key=lambda e: e.created_at)


def case_detail(user: User, pk: int) -> ApprovalCase | None:
    """One case the person may see, with its inspections (inspectors, evidence), legal reviews, extensions,
    suspensions, decision and history (`case.history`) in a fixed number of queries; None answers 404."""
    # The people (holder, acceptor, reviewers, decider, filer, drafter) come in one query of their own: joined
    # here too, the statement had 15 relations and PostgreSQL took longer to plan it than the rest of the page's
    # SQL to run (bench/approvals_bench.py, issue 14).
    case = (visible_cases(user).filter(pk=pk).select_related(*CASE_CORE, "decision__notice", "decision_draft")
            .prefetch_related(
                Prefetch("inspections", queryset=Inspection.objects.prefetch_related("inspectors", "evidence", "cases")
                         .select_related("scheduled_by", "recorded_by", "cosigned_by").order_by("scheduled_on", "id")),
                Prefetch("legal_reviews", queryset=LegalReview.objects.select_related("reviewer")),
                Prefetch("extensions", queryset=ExtensionRequest.objects.select_related(
                    "requested_by", "decided_by", "notice")),
                Prefetch("suspensions", queryset=Suspension.objects.select_related(
                    "started_by", "ended_by", "notice", "end_notice")),
            ).first())
    if case is None:
        return None
    _attach_people(case)
    case.history = case_history(case)
    case.decision_record = getattr(case, "decision", None) if _has_decision(case) else None
    try:
        case.draft_record = case.decision_draft
    except DecisionDraft.DoesNotExist:
        case.draft_record = None
    case._drafter_id = case.draft_record.drafted_by_id if case.draft_record else None  # for policy.drafter_id
    return case


PEOPLE = ("assignee", "accepted_by", "reviewer", "decided_by", "legal_reviewer")


def _attach_people(case: ApprovalCase) -> None:
    """The case's people from one query, set where select_related would have put them."""
    try:
        draft = case.decision_draft  # select_related: no query, None cached when there is none
    except DecisionDraft.DoesNotExist:
        draft = None
    ids = {getattr(case, f"{name}_id") for name in PEOPLE} | {case.application.filed_by_id}
    if draft is not None:
        ids.add(draft.drafted_by_id)
    people = User.objects.in_bulk(ids - {None})
    for name in PEOPLE:
        setattr(case, name, people.get(getattr(case, f"{name}_id")))
    case.application.filed_by = people.get(case.application.filed_by_id)
    if draft is not None:
        draft.drafted_by = people.get(draft.drafted_by_id)


def _has_decision(case: ApprovalCase) -> bool:
    from approvals.cases.models import Decision

    try:
        case.decision
    except Decision.DoesNotExist:
        return False
    return True


def evidence_for(user: User, public_id):
    """An evidence file the person may see (through a case they may see), else None."""
    from approvals.cases.models import InspectionEvidence

    return (InspectionEvidence.objects.filter(public_id=public_id,
                                              inspection__cases__in=visible_cases(user)).distinct().first())


def merge_candidates(case: ApprovalCase, user: User, limit: int = 20) -> list[ApprovalCase]:
    """Other cases that one site visit may cover with `case` (合并勘验): in inspection in the same section, of the
    same applicant (the same site), held by nobody or by `user`, with no visit planned and not yet recorded."""
    pending = Inspection.objects.filter(cases=OuterRef("pk"), outcome="")
    return list(ApprovalCase.objects.filter(stage="inspection", section_id=case.section_id,
                                            application__applicant_id=case.application.applicant_id)
                .filter(Q(assignee__isnull=True) | Q(assignee=user)).exclude(pk=case.pk).exclude(Exists(pending))
                .select_related("application", "item_version").order_by("application_id", "id")[:limit])


def section_officers(section_id: int) -> list[User]:
    """Active approval officers of a section (members or its head): the inspectors one may pick."""
    return list(User.objects.filter(is_active=True, groups__name=Role.APPROVAL_OFFICER)
                .filter(Q(sections__id=section_id) | Q(headed_sections__id=section_id)).distinct()
                .order_by("real_name", "id"))


def case_materials(case: ApprovalCase) -> list:
    """The application's materials with their files (the staff file view serves them), in list order."""

    return list(ApplicationMaterial.objects.filter(application_id=case.application_id)
                .prefetch_related(Prefetch("files", queryset=UploadedFile.objects.order_by("uploaded_at", "id")))
                .order_by("sort_order", "id"))


def inspection_for(user: User, pk: int) -> Inspection | None:
    """A site visit the person may see (one of its cases is visible to them), with cases and inspectors."""
    return (Inspection.objects.filter(pk=pk, cases__in=visible_cases(user)).distinct()
            .prefetch_related("cases", "inspectors").first())


def inspection_case_ids(inspections) -> dict[int, list[int]]:
    """The cases each visit covers (合并勘验), for a list of visits in one query."""
    ids = [i.pk for i in inspections]
    found: dict[int, list[int]] = {pk: [] for pk in ids}
    if ids:
        for inspection_id, case_id in (Inspection.cases.through.objects.filter(inspection_id__in=ids)
                                       .order_by("approvalcase_id").values_list("inspection_id", "approvalcase_id")):
            found[inspection_id].append(case_id)
    return found


def cases_of(application: Application) -> list[ApprovalCase]:
    return list(ApprovalCase.objects.filter(application=application).select_related("item_version", "section",
                                                                                  "accepted_by").order_by("id"))


def case_page(cases: QuerySet[ApprovalCase], number, per_page: int = 20):
    """One page of a queue's case ids (an index-only scan in urgency order, with the count): the table then
    loads those rows (approvals.cases.table.rows_for). Joining every case of the queue before the top-N sort
    costs several times more on a large queue (bench/approvals_bench.py)."""

    page = Paginator(cases.select_related(None).values_list("pk", flat=True), per_page).get_page(number)
    page.object_list = list(page.object_list)
    return page
