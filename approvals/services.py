"""Writes of the staff side's receive stage (综合受理), one function per use case.

Every intake decision: one transaction; the clerk must hold the window-clerk role, not have the application
claimed by someone else, and not act for an applicant the clerk represents (回避); the application row is
locked first (then the notice counter), so two clerks acting at once get one success and one Conflict; the
application moves through applications.services (which writes its audit row); each decision issues its
notice (with its own audit row carrying the notice's number and address, which the applicant's timeline
shows); notifications go out after the commit.

accept() and its variants open one ApprovalCase per item (see approvals.models.ApprovalCase: the seam for
the staged-workflow issue).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from applications import services as app_services
from applications.audit import SYSTEM_NAME, record_system_events
from applications.errors import Conflict, DomainError
from applications.models import Application, ApplicationMaterial, Commitment, Status
from applications.signals import application_withdrawn
from approvals.models import ApprovalCase, IntakeClaim, Notice, Stage
from catalog.codesets import CaseType, Handling
from portal import clock
from portal.models import User
from portal.roles import Role
from portal.services import record_audit

log = logging.getLogger(__name__)

INSTANT_PERMISSION = "approvals.decide_instant"
RECONSIDERATION_DAYS = 60
LITIGATION_MONTHS = 6


# --- guards ------------------------------------------------------------------------------------------------


def _require_clerk(clerk: User) -> None:
    if not (clerk and clerk.is_authenticated and clerk.has_role(Role.WINDOW_CLERK)):
        raise PermissionDenied(_("只有综合窗口受理人员可以作出受理决定。"))


def _lock_for_intake(application: Application, clerk: User) -> Application:
    """Lock the application row for an intake decision and check everything a decision needs.

    The caller's copy tells what the clerk saw; if the row changed since, the decision is refused with a
    Conflict (the other clerk's decision stands).
    """
    _require_clerk(clerk)
    seen = application.status
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "bundle")
        .prefetch_related("items__item_version", "materials__files", "commitments")
        .get(pk=application.pk)
    )
    if locked.status != seen:
        raise Conflict(
            _("办件 %(n)s 已被他人处理，当前状态为“%(s)s”；本次操作未生效，请刷新页面。"),
            code="concurrent", params={"n": locked, "s": locked.get_status_display()},
        )
    if locked.status != Status.SUBMITTED:
        raise Conflict(_("办件 %(n)s 当前状态为“%(s)s”，不能作出受理决定。"), code="wrong_state",
                       params={"n": locked, "s": locked.get_status_display()})
    claim = IntakeClaim.objects.filter(application=locked).select_related("clerk").first()
    if claim is not None and claim.clerk_id != clerk.pk:
        raise PermissionDenied(_("该申请已由 %(c)s 认领，请勿重复处理。") % {"c": claim.clerk})
    if app_services.represents(clerk, locked.applicant_id):
        raise PermissionDenied(_("不得受理本人或本人所代表主体的申请（回避）。"))
    return locked


def _versions(application: Application) -> list:
    return [ai.item_version for ai in sorted(application.items.all(), key=lambda ai: (ai.sort_order, ai.pk))]


def _missing_required(application: Application, excused: set[int] = frozenset()) -> list[str]:
    return [
        m.name for m in application.materials.all()
        if m.asked and m.required and not m.files.all() and m.pk not in excused
    ]


# --- due dates and cases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    statutory: date
    promised: date


def due_dates(application: Application, accepted_at: datetime | date) -> dict[int, Due]:
    """The due dates of each item's case (by item id), counted in working days from acceptance.

    A bundle handled jointly (并联) runs on its joint limit (Art. 26: 45 working days, its promised limit);
    a bundle handled in order, or a single item, runs on each item version's own limits.
    """
    bundle = application.bundle
    joint = bundle is not None and bundle.handling == Handling.PARALLEL
    result = {}
    for version in _versions(application):
        statutory = bundle.statutory_limit if joint else version.statutory_limit
        promised = bundle.promised_limit if joint else version.promised_limit
        result[version.item_id] = Due(clock.add_working_days(accepted_at, statutory),
                                      clock.add_working_days(accepted_at, promised))
    return result


def _due_rows(application: Application, dues: dict[int, Due]) -> list[tuple[str, Due]]:
    """(item name, due dates) in the application's order, for notices."""
    return [(v.name, dues[v.item_id]) for v in _versions(application)]


def _case_rows(application: Application, accepted_at, accepted_by: User | None, dues: dict[int, Due],
               by_commitment: bool = False) -> list[ApprovalCase]:
    cases = [
        ApprovalCase(
            application=application, item_id=version.item_id, item_version=version,
            section_id=version.snapshot["section"]["id"], accepted_at=accepted_at, accepted_by=accepted_by,
            statutory_due_date=dues[version.item_id].statutory, promised_due_date=dues[version.item_id].promised,
            by_commitment=by_commitment,
        )
        for version in _versions(application)
    ]
    for case in cases:
        _arm(case)  # the warning timers start with the case (the sweep turns them yellow/red)
    return cases


def _open_cases(application: Application, clerk: User | None, accepted_at, dues, *, by_commitment=False,
                request=None) -> list[ApprovalCase]:
    cases = ApprovalCase.objects.bulk_create(_case_rows(application, accepted_at, clerk, dues, by_commitment))
    for case in cases:
        record_audit(clerk, "case_open", case, to_state=Stage.RECEIVED, request=request,
                     data={"application": application.pk, "promised_due": case.promised_due_date.isoformat(),
                           "statutory_due": case.statutory_due_date.isoformat()})
    return cases


# --- notices ---------------------------------------------------------------------------------------------------


def notice_number(kind: str, issued_at: datetime) -> str:
    """E.g. 宝塔审受〔2026〕00012号: centre prefix, kind, year, a yearly counter per kind."""
    prefix = getattr(settings, "NOTICE_NUMBER_PREFIX", "") or (settings.CENTRE_NAME[:2] + "审")
    year = timezone.localdate(issued_at).year
    value = app_services.next_sequence_value(f"notice:{kind}:{year}")
    return f"{prefix}{Notice.NUMBER_PREFIX[kind]}〔{year}〕{value:05d}号"


def _notice_ref(notice: Notice) -> dict:
    return {"id": notice.pk, "number": notice.number, "title": notice.title, "kind": notice.kind,
            "url": reverse("approvals:notice", args=[notice.pk])}


def _render_notice(application: Application, kind: str, number: str, issued_at, context: dict) -> str:
    return render_to_string(f"approvals/notices/{kind}.html", {
        "application": application, "applicant": application.applicant, "number": number, "issued_at": issued_at,
        "issued_on": timezone.localdate(issued_at), "centre_name": settings.CENTRE_NAME,
        "title": Notice.Kind(kind).label, **context,
    })


def issue_notice(application: Application, kind: str, issued_by: User | None, context: dict, *, request=None,
                 audit: bool = True) -> Notice:
    issued_at = timezone.now()
    number = notice_number(kind, issued_at)
    notice = Notice.objects.create(
        application=application, kind=kind, number=number, title=str(Notice.Kind(kind).label),
        body_html=_render_notice(application, kind, number, issued_at, context), issued_at=issued_at,
        issued_by=issued_by,
    )
    if audit:
        record_audit(issued_by, "notice_issued", application, opinion=f"{notice.title}（{notice.number}）",
                     request=request, data={"notice": _notice_ref(notice)})
    return notice


# --- claiming from the queue -----------------------------------------------------------------------------------


@transaction.atomic
def claim(application: Application, clerk: User, *, request=None) -> IntakeClaim:
    """Take a submitted application from the intake queue; one clerk at a time (a unique row)."""
    _require_clerk(clerk)
    if Application.objects.filter(pk=application.pk).values_list("status", flat=True).first() != Status.SUBMITTED:
        raise Conflict(_("该申请已不在受理队列中。"), code="not_queued")
    existing = IntakeClaim.objects.filter(application=application).select_related("clerk").first()
    if existing is not None:
        if existing.clerk_id == clerk.pk:
            return existing
        raise Conflict(_("该申请已由 %(c)s 认领。"), code="claimed", params={"c": existing.clerk})
    try:
        with transaction.atomic():
            claimed = IntakeClaim.objects.create(application=application, clerk=clerk)
    except IntegrityError:
        other = IntakeClaim.objects.select_related("clerk").get(application=application)
        raise Conflict(_("该申请刚刚已由 %(c)s 认领。"), code="claimed", params={"c": other.clerk}) from None
    record_audit(clerk, "claim", application, request=request)
    return claimed


@transaction.atomic
def release(application: Application, clerk: User, *, request=None) -> None:
    _require_clerk(clerk)
    deleted, _rows = IntakeClaim.objects.filter(application=application, clerk=clerk).delete()
    if not deleted:
        raise DomainError(_("您没有认领该申请。"), code="not_claimed")
    record_audit(clerk, "release", application, request=request)


# --- the intake decisions ------------------------------------------------------------------------------------------


def _accept(application: Application, clerk: User | None, *, action: str, notice_kind: str, opinion: str = "",
            by_commitment: bool = False, notice_context: dict | None = None, request=None):
    """Shared by every way of accepting: due dates, the notice, the transition, the cases."""
    accepted_at = timezone.now()
    dues = due_dates(application, accepted_at)
    promised = max(d.promised for d in dues.values())
    context = {"accepted_on": timezone.localdate(accepted_at), "promised_due_date": promised,
               "due_rows": _due_rows(application, dues), "opinion": opinion, **(notice_context or {})}
    app_services.record_acceptance(application, clerk, promised_due_date=promised, action=action, opinion=opinion,
                                   request=request, accepted_at=accepted_at)
    notice = issue_notice(application, notice_kind, clerk, context, request=request)
    cases = _open_cases(application, clerk, accepted_at, dues, by_commitment=by_commitment, request=request)
    return notice, cases


@transaction.atomic
def accept(application: Application, clerk: User, *, opinion: str = "", request=None) -> Notice:
    """受理: the materials are complete; acceptance notice with the promised completion date; cases open."""
    application = _lock_for_intake(application, clerk)
    missing = _missing_required(application)
    if missing:
        raise DomainError(_("以下必要材料尚未提交，不能直接受理：%(m)s。请一次性告知补正，或在允许时容缺受理。"),
                          code="incomplete", params={"m": "、".join(missing)})
    notice, _cases = _accept(application, clerk, action="accept", notice_kind=Notice.Kind.ACCEPTANCE,
                             opinion=opinion.strip(), request=request)
    return notice


@transaction.atomic
def request_supplement(application: Application, clerk: User, items: list[tuple[ApplicationMaterial | str, str]], *,
                       note: str = "", due_date: date | None = None, request=None) -> Notice:
    """一次性告知: ONE notice listing every missing or faulty material with its reason, and a deadline."""
    application = _lock_for_intake(application, clerk)
    due_date = due_date or clock.add_working_days(timezone.now(), app_services.supplement_limit_days())
    supplement = app_services.record_supplement_request(application, clerk, items, note=note, due_date=due_date,
                                                        request=request)
    entries = [(i.material.name, i.reason) for i in supplement.items.select_related("material")]
    return issue_notice(application, Notice.Kind.SUPPLEMENT, clerk,
                        {"entries": entries, "due_date": due_date, "note": supplement.note}, request=request)


@transaction.atomic
def refuse(application: Application, clerk: User, *, reason: str, refer_to: str = "", request=None) -> Notice:
    """不予受理: a reason is required; where the matter is outside this centre's powers, the body to turn to."""
    reason, refer_to = (reason or "").strip(), (refer_to or "").strip()
    if not reason:
        raise DomainError(_("不予受理必须写明理由。"), code="reason")
    application = _lock_for_intake(application, clerk)
    opinion = reason + (_("（请向%(body)s申请）") % {"body": refer_to} if refer_to else "")
    app_services.record_refusal(application, clerk, opinion, request=request,
                                audit_data={"refer_to": refer_to} if refer_to else None)
    return issue_notice(application, Notice.Kind.REFUSAL, clerk, {
        "reason": reason, "refer_to": refer_to, "reconsideration_days": RECONSIDERATION_DAYS,
        "litigation_months": LITIGATION_MONTHS,
    }, request=request)


def _signed_or_paper(application: Application, clerk: User, kind: str, paper_signatory: str, request) -> Commitment:
    existing = next((c for c in application.commitments.all() if c.kind == kind), None)
    if existing is not None:
        return existing
    if not (paper_signatory or "").strip():
        label = Commitment.Kind(kind).label
        raise DomainError(_("申请人尚未签署%(label)s：请申请人在线签署，或在窗口签署纸质承诺书后录入承诺人姓名。"),
                          code="no_commitment", params={"label": label})
    return app_services.record_paper_commitment(application, clerk, kind, paper_signatory, request=request)


@transaction.atomic
def accept_with_tolerance(application: Application, clerk: User, tolerated: dict[int, date | None], *,
                          paper_signatory: str = "", opinion: str = "", request=None) -> Notice:
    """容缺受理: accept while materials the item marks tolerable are missing; the applicant's commitment is
    recorded; each tolerated material gets a due date no later than the promised completion date."""
    application = _lock_for_intake(application, clerk)
    versions = _versions(application)
    if not tolerated:
        raise DomainError(_("请选择容缺的材料。"), code="empty")
    if not all(v.snapshot.get("tolerance_allowed") for v in versions):
        raise DomainError(_("该事项不适用容缺受理。"), code="not_allowed")
    if application.applicant.bad_credit:
        raise DomainError(_("申请人为严重失信主体，不适用容缺受理。"), code="bad_credit")
    materials = {m.pk: m for m in application.materials.all()}
    for pk in tolerated:
        material = materials.get(pk)
        if material is None:
            raise DomainError(_("容缺材料不属于该申请。"), code="material")
        if not material.tolerable:
            raise DomainError(_("“%(name)s”不属于该事项可容缺的材料。"), code="not_tolerable",
                              params={"name": material.name})
    missing = _missing_required(application, excused=set(tolerated))
    if missing:
        raise DomainError(_("以下必要材料不可容缺且尚未提交：%(m)s。请一次性告知补正。"), code="incomplete",
                          params={"m": "、".join(missing)})
    now = timezone.now()
    dues = due_dates(application, now)
    latest_allowed = min(d.promised for d in dues.values())
    if latest_allowed <= timezone.localdate(now):
        raise DomainError(_("即办件（承诺时限为0）不适用容缺受理。"), code="instant")
    deadlines = {}
    for pk, due in tolerated.items():
        due = due or latest_allowed
        if due > latest_allowed:
            raise DomainError(_("“%(name)s”的补交期限不能晚于承诺办结日期 %(d)s。"), code="too_late",
                              params={"name": materials[pk].name, "d": latest_allowed})
        if due <= timezone.localdate(now):
            raise DomainError(_("补交期限应晚于今天。"), code="too_early")
        deadlines[pk] = due
    commitment = _signed_or_paper(application, clerk, Commitment.Kind.TOLERANCE, paper_signatory, request)
    app_services.set_tolerance_deadlines(application, deadlines)
    entries = [(materials[pk].name, due) for pk, due in sorted(deadlines.items(), key=lambda kv: kv[1])]
    notice, _cases = _accept(application, clerk, action="accept_with_tolerance", notice_kind=Notice.Kind.TOLERANCE,
                             opinion=opinion.strip(), request=request,
                             notice_context={"tolerated": entries, "commitment": commitment})
    return notice


@transaction.atomic
def accept_on_commitment(application: Application, clerk: User, *, decide_now: bool = False,
                         paper_signatory: str = "", opinion: str = "", request=None) -> list[Notice]:
    """告知承诺制: only for items that allow it, with the applicant's signed commitment; the cases are marked
    for a later check, and (with the on-the-spot permission) may be decided at once."""
    application = _lock_for_intake(application, clerk)
    versions = _versions(application)
    if not all(v.snapshot.get("commitment_allowed") for v in versions):
        raise DomainError(_("该事项不适用告知承诺制。"), code="not_allowed")
    if application.applicant.bad_credit:
        raise DomainError(_("申请人为严重失信主体，不适用告知承诺制。"), code="bad_credit")
    if decide_now and not clerk.has_perm(INSTANT_PERMISSION):
        raise PermissionDenied(_("您没有当场作出审批决定的权限。"))
    commitment = _signed_or_paper(application, clerk, Commitment.Kind.LICENSING, paper_signatory, request)
    notice, cases = _accept(application, clerk, action="accept_on_commitment", notice_kind=Notice.Kind.COMMITMENT,
                            opinion=opinion.strip(), by_commitment=True, request=request,
                            notice_context={"commitment": commitment, "decide_now": decide_now})
    notices = [notice]
    if decide_now:
        notices.append(_decide_on_the_spot(application, clerk, cases, action="decide_on_commitment",
                                           opinion=_("申请人已书面承诺符合许可条件，当场作出准予许可决定，事后核查。"),
                                           request=request))
    return notices


@transaction.atomic
def accept_and_decide_instant(application: Application, clerk: User, *, opinion: str = "", request=None) -> list[Notice]:
    """即办件: a clerk with the on-the-spot permission accepts and decides in one step."""
    if not clerk.has_perm(INSTANT_PERMISSION):
        _require_clerk(clerk)
        raise PermissionDenied(_("您没有当场办结即办件的权限。"))
    application = _lock_for_intake(application, clerk)
    versions = _versions(application)
    if not all(v.snapshot.get("case_type") == CaseType.INSTANT for v in versions):
        raise DomainError(_("只有即办件可以当场办结。"), code="not_instant")
    missing = _missing_required(application)
    if missing:
        raise DomainError(_("以下必要材料尚未提交，不能当场办结：%(m)s。"), code="incomplete",
                          params={"m": "、".join(missing)})
    notice, cases = _accept(application, clerk, action="accept", notice_kind=Notice.Kind.ACCEPTANCE,
                            opinion=_("即办件，当场受理。"), request=request)
    decision = _decide_on_the_spot(application, clerk, cases, action="accept_and_decide_instant",
                                   opinion=opinion.strip() or _("材料齐全，符合法定条件，当场准予许可。"), request=request)
    return [notice, decision]


def _decide_on_the_spot(application: Application, clerk: User, cases: list[ApprovalCase], *, action: str,
                        opinion: str, request=None) -> Notice:
    now = timezone.now()
    for case in cases:
        case.approve_on_the_spot()
        case.decided_at = case.closed_at = now
        case.decided_by = clerk
        _disarm(case)
        try:
            case.save(update_fields=["stage", "decided_at", "decided_by", "closed_at", "assignee", "claimed_at",
                                     *TIMER_FIELDS])
        except ConcurrentTransition:
            raise Conflict(_("审批案件已被他人处理。"), code="concurrent") from None
        record_audit(clerk, "case_approve_on_the_spot", case, from_state=Stage.RECEIVED, to_state=Stage.APPROVED,
                     opinion=opinion, request=request)
    app_services.record_decision(application, clerk, action=action, opinion=opinion, request=request)
    return issue_notice(application, Notice.Kind.INSTANT_DECISION, clerk,
                        {"versions": _versions(application), "opinion": opinion, "decided_on": timezone.localdate(now)},
                        request=request)


# --- sweeps (beat), set-based -----------------------------------------------------------------------------------


@transaction.atomic
def deem_overdue_accepted(today: date | None = None) -> int:
    """Art. 32: submitted applications with no intake decision within 5 working days count as accepted from the
    day they arrived. One UPDATE over all of them (applications.services), then their cases and notices in
    bulk, due dates counted from the arrival date. Safe to run twice: the second run finds nothing."""
    today = today or clock.today()
    ids = app_services.deem_accepted_overdue(today)
    if not ids:
        return 0
    applications = list(
        Application.objects.filter(pk__in=ids).select_related("applicant", "bundle").prefetch_related("items__item_version")
    )
    cases, promised, notice_rows = [], {}, []
    for application in applications:
        dues = due_dates(application, application.accepted_at)
        promised[application.pk] = max(d.promised for d in dues.values())
        application.promised_due_date = promised[application.pk]
        cases.extend(_case_rows(application, application.accepted_at, None, dues))
        notice = issue_notice(application, Notice.Kind.ACCEPTANCE, None, {
            "accepted_on": timezone.localdate(application.accepted_at), "promised_due_date": promised[application.pk],
            "due_rows": _due_rows(application, dues), "deemed": True,
        }, audit=False)
        notice_rows.append((application, notice))
    ApprovalCase.objects.bulk_create(cases)
    app_services.set_promised_due_dates(promised)
    record_system_events("case_open", "approvals.approvalcase", [(c.pk, str(c.application.case_number)) for c in cases],
                         to_state=Stage.RECEIVED, opinion=_("逾期视为受理"))
    record_system_events(
        "notice_issued", "applications.application", [(a.pk, a.case_number) for a, _n in notice_rows],
        opinions=[f"{n.title}（{n.number}）" for _a, n in notice_rows],
        data=[{"notice": _notice_ref(n)} for _a, n in notice_rows],
    )
    for application in applications:
        app_services.notify_applicant(application, _("申请已视为受理"), _("办件编号 %(n)s，承诺办结日期 %(d)s。") % {
            "n": application.case_number, "d": application.promised_due_date})
    log.info("deemed accepted: %d applications", len(ids))
    return len(ids)


@transaction.atomic
def lapse_unanswered_supplements(today: date | None = None) -> int:
    """Applications whose supplement notice went unanswered past its deadline lapse (one UPDATE)."""
    today = today or clock.today()
    ids = app_services.lapse_overdue_supplements(today)
    for application in Application.objects.filter(pk__in=ids).select_related("filed_by"):
        app_services.notify_applicant(application, _("申请已终止办理"), _("逾期未补正材料，办件 %(n)s 终止办理。") % {
            "n": application.case_number})
    return len(ids)


@transaction.atomic
def flag_overdue_tolerated_materials(today: date | None = None) -> int:
    """Tolerated materials (容缺) not supplied by their due date are flagged once (one UPDATE), the applicant
    is told, and the clerk's view shows them; what follows (termination or revocation) is the approval stage's."""
    today = today or clock.today()
    rows = app_services.flag_overdue_tolerated(today)
    by_application: dict[int, list[str]] = {}
    for application_id, _material_id, name in rows:
        by_application.setdefault(application_id, []).append(name)
    for application in Application.objects.filter(pk__in=list(by_application)).select_related("filed_by"):
        app_services.notify_applicant(application, _("容缺材料逾期未补交"), "、".join(by_application[application.pk]))
    return len(rows)


# --- withdrawal (the applicant's side tells us through a signal) -----------------------------------------------


def close_cases_on_withdrawal(sender, application: Application, actor: User, reason: str, **kwargs) -> None:
    """Runs inside the withdrawal's transaction: every open case of the application is withdrawn with it."""
    now = timezone.now()
    for case in ApprovalCase.objects.filter(application=application).exclude(stage__in=[
        Stage.APPROVED, Stage.DENIED, Stage.WITHDRAWN, Stage.TERMINATED]):
        before = case.stage
        try:
            case.withdraw()
        except TransitionNotAllowed:
            continue
        case.closed_at = now
        _disarm(case)
        case.version += 1
        try:
            case.save(update_fields=["stage", "closed_at", "assignee", "claimed_at", "version", *TIMER_FIELDS])
        except ConcurrentTransition:
            raise Conflict(_("审批案件状态已变化，撤回未生效，请刷新后重试。"), code="concurrent") from None
        record_audit(actor, "case_withdrawn", case, from_state=before, to_state=Stage.WITHDRAWN, opinion=reason)


application_withdrawn.connect(close_cases_on_withdrawal, dispatch_uid="approvals.close_cases_on_withdrawal")


# =============================================================================================================
# The staged workflow (审查 -> 勘验 -> 法制审核 -> 决定), extensions, suspensions and the timers.
#
# Every write: one transaction; the case row is locked (SELECT ... FOR UPDATE) and compared with the version
# the caller saw (`version=`, else the passed object's), so two officers acting on the same case at once get
# one success and one Conflict; `version` is bumped on every write and the FSM's own check (ConcurrentTransition)
# backs it up. Refusals are DomainError (rules, incl. separation of duties: code "separation"), Conflict
# (someone else was first) or PermissionDenied (not your section / role). Services return the fresh case:
# callers use the returned object, not the one they passed in.
# =============================================================================================================

from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Exists, OuterRef, Q  # noqa: E402
from django.urls import NoReverseMatch  # noqa: E402

from approvals import clockwork, evidence as evidence_types  # noqa: E402
from approvals.models import (  # noqa: E402
    CLOSED_STAGES,
    DECIDED_STAGES,
    QUEUE_STAGES,
    Colour,
    Decision,
    ExtensionRequest,
    Inspection,
    InspectionEvidence,
    LegalReview,
    Suspension,
)
from catalog.codesets import Handling as _Handling  # noqa: E402
from portal.notifications import Message, address_sql, enqueue_deliveries, notify, notify_many  # noqa: E402
from portal.workdays import Suspension as ClockSuspension  # noqa: E402

EXTENSION_DAYS = 10  # Art. 42
JOINT_EXTENSION_DAYS = 15  # Art. 26, joint handling of a bundle
MIN_INSPECTORS = 2  # Art. 34
WORK_STAGES = list(QUEUE_STAGES)  # "review", "inspection", "legal_review", "decision"


def yellow_working_days() -> int:
    return int(getattr(settings, "APPROVAL_YELLOW_WORKING_DAYS", 2))


def alarm_working_days() -> int:
    return int(getattr(settings, "APPROVAL_STATUTORY_ALARM_WORKING_DAYS", 3))


def case_url(case_id: int) -> str:
    try:
        return reverse("approvals:case", args=[case_id])
    except NoReverseMatch:
        return f"/approvals/cases/{case_id}/"


# --- the case clock ---------------------------------------------------------------------------------------------


def limits_of(case: ApprovalCase) -> clockwork.Limits:
    """The limits the case runs on: the bundle's joint limits when handled jointly, else the item version's."""
    bundle = case.application.bundle
    if bundle is not None and bundle.handling == _Handling.PARALLEL:
        return clockwork.Limits(bundle.statutory_limit, bundle.promised_limit)
    return clockwork.Limits(case.item_version.statutory_limit, case.item_version.promised_limit)


def is_joint(case: ApprovalCase) -> bool:
    bundle = case.application.bundle
    return bundle is not None and bundle.handling == _Handling.PARALLEL


def _clock_suspensions(case: ApprovalCase) -> list[ClockSuspension]:
    """Closed suspensions, plus an open one's announced end (the dates move again when it really ends)."""
    rows = []
    for s in Suspension.objects.filter(case=case).order_by("start", "id"):
        end = s.end or s.expected_end
        if end is not None:
            rows.append(ClockSuspension(s.start, end))
    return rows


def _arm(case: ApprovalCase, due: clockwork.DueDates | None = None, *, today: date | None = None) -> None:
    """Set the timer days from the due dates (open, running cases only; NULL otherwise). The colour only
    improves here (an extension or suspension moved the dates later); the sweep makes it worse and tells people."""
    today = today or clock.today()
    if due is None:
        due = clockwork.DueDates(case.statutory_due_date, case.promised_due_date)
    if case.stage in CLOSED_STAGES or case.suspended_since is not None:
        case.yellow_from = case.red_from = case.statutory_alarm_from = None
        return
    timers = clockwork.timers(clock.work_calendar(), due, yellow_working_days(), alarm_working_days())
    case.yellow_from, case.red_from, case.statutory_alarm_from = (timers.yellow_from, timers.red_from,
                                                                  timers.statutory_alarm_from)
    computed = clockwork.colour_on(timers, today)
    if computed > case.colour:
        case.colour = computed
        case.colour_changed_at = timezone.now()
    if case.statutory_alarm and not clockwork.alarm_on(timers, today):
        case.statutory_alarm = False


def _disarm(case: ApprovalCase) -> None:
    case.yellow_from = case.red_from = case.statutory_alarm_from = None
    case.assignee = None
    case.claimed_at = None


TIMER_FIELDS = ["yellow_from", "red_from", "statutory_alarm_from", "colour", "statutory_alarm", "colour_changed_at"]


def recompute_due_dates(case: ApprovalCase) -> clockwork.DueDates:
    """Both due dates again from acceptance, with every suspension and the approved extension; timers rearmed.
    Sets the fields on `case` (the caller saves)."""
    due = clockwork.due_dates(clock.work_calendar(), clock.local_date(case.accepted_at), limits_of(case),
                              _clock_suspensions(case), case.extension_days)
    case.statutory_due_date, case.promised_due_date = due.statutory, due.promised
    _arm(case, due)
    return due


# --- guards -------------------------------------------------------------------------------------------------------


def section_ids(user: User) -> set[int]:
    """The sections a person works in (member or head)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_approval_section_ids", None)
    if cached is None:
        from catalog.models import Section

        cached = set(Section.objects.filter(Q(members=user) | Q(head=user)).values_list("id", flat=True))
        user._approval_section_ids = cached
    return cached


def _inspector_ids(case: ApprovalCase) -> set[int]:
    return set(Inspection.inspectors.through.objects.filter(inspection__cases=case).values_list("user_id", flat=True))


def _role_for_queue(queue: str) -> str:
    return Role.LEGAL_REVIEWER if queue == "legal_review" else Role.APPROVAL_OFFICER


def _require_worker(case: ApprovalCase, user: User, queue: str) -> None:
    """The person may work this case's stage: the role of the stage and, for officers, the case's section."""
    role = _role_for_queue(queue)
    if not (user and user.is_authenticated and user.has_role(role)):
        raise PermissionDenied(_("您没有办理“%(stage)s”环节的权限（需要%(role)s角色）。") % {
            "stage": Stage(QUEUE_STAGES[queue][-1]).label, "role": Role(role).label})
    if role == Role.APPROVAL_OFFICER and case.section_id not in section_ids(user):
        raise PermissionDenied(_("该案件属于%(section)s，您只能办理本科室的案件。") % {"section": case.section})
    if role == Role.LEGAL_REVIEWER and not case.needs_legal_review:
        raise PermissionDenied(_("该事项不属于需法制审核的重大行政许可事项。"))


SEPARATION_ROLES = {"reviewer": _("审查人"), "inspector": _("勘验人员"), "legal": _("法制审核人"),
                    "certifier": _("决定（出证）人")}


def separation_conflict(case: ApprovalCase, user: User, role: str) -> str:
    """Why `user` may not take `role` on `case` (受理、审查、勘验、出证四分离), or "" when they may."""
    reasons = []
    if case.accepted_by_id == user.pk:
        reasons.append(_("受理人"))
    if role != "reviewer" and case.reviewer_id == user.pk:
        reasons.append(_("审查人"))
    if role != "inspector" and user.pk in _inspector_ids(case):
        reasons.append(_("勘验人员"))
    if role != "certifier" and case.decided_by_id == user.pk:
        reasons.append(_("决定人"))
    if not reasons:
        return ""
    return _("受理、审查、勘验、出证须由不同人员承担（四分离）：您是该案件的%(was)s，不能再担任%(role)s。") % {
        "was": "、".join(str(r) for r in reasons), "role": SEPARATION_ROLES[role]}


def _require_separation(case: ApprovalCase, user: User, role: str) -> None:
    message = separation_conflict(case, user, role)
    if message:
        raise DomainError(message, code="separation")


def _lock(case: ApprovalCase | int, *, version: int | None = None) -> ApprovalCase:
    """The case row, locked, checked against the version the caller saw."""
    pk = case if isinstance(case, int) else case.pk
    expected = version if version is not None else (None if isinstance(case, int) else case.version)
    locked = (ApprovalCase.objects.select_for_update(of=("self",))
              .select_related("item_version", "section", "application__bundle", "application__applicant")
              .get(pk=pk))
    if expected is not None and locked.version != expected:
        raise Conflict(_("案件 %(case)s 已被他人处理（当前环节：%(stage)s），本次操作未生效；请刷新页面查看最新情况。"),
                       code="concurrent", params={"case": locked, "stage": locked.get_stage_display()})
    return locked


def _require_open(case: ApprovalCase) -> None:
    if case.stage in CLOSED_STAGES:
        raise DomainError(_("案件已%(stage)s，不能再办理。"), code="closed", params={"stage": case.get_stage_display()})


def _require_stage(case: ApprovalCase, *stages: str) -> None:
    if case.stage not in stages:
        raise Conflict(_("案件当前处于“%(stage)s”环节，不能执行此操作；请刷新页面。"), code="wrong_stage",
                       params={"stage": case.get_stage_display()})


def _require_holder(case: ApprovalCase, user: User) -> None:
    """Nobody holds the case (the actor takes it now), or the actor holds it."""
    if case.assignee_id is not None and case.assignee_id != user.pk:
        raise Conflict(_("该案件正由 %(who)s 办理，请勿重复处理。"), code="held",
                       params={"who": User.objects.filter(pk=case.assignee_id).first()})


def _transition(case: ApprovalCase, method: str) -> tuple[str, str]:
    before = case.stage
    try:
        getattr(case, method)()
    except TransitionNotAllowed:
        raise Conflict(_("案件当前处于“%(stage)s”环节，不能执行此操作；请刷新页面。"), code="wrong_stage",
                       params={"stage": case.get_stage_display()}) from None
    return before, case.stage


def _save(case: ApprovalCase, fields: list[str]) -> ApprovalCase:
    case.version += 1
    try:
        case.save(update_fields=sorted({*fields, "version"}))
    except ConcurrentTransition:
        raise Conflict(_("案件已被他人处理，本次操作未生效；请刷新页面。"), code="concurrent") from None
    return case


def _required_text(value: str, message: str, code: str = "required") -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value


def _hold(case: ApprovalCase, user: User | None) -> None:
    case.assignee = user
    case.claimed_at = timezone.now() if user is not None else None


def _notify_staff(user: User | None, title: str, body: str, case: ApprovalCase, dedupe_key: str = "") -> None:
    if user is not None and user.is_active:
        notify(user, title, body, url=case_url(case.pk), dedupe_key=dedupe_key)


# --- queues: take next, claim, release --------------------------------------------------------------------------


def _eligible(queue: str, officer: User):
    """Waiting cases of `queue` the officer may take: role, section, and four-way separation (in SQL)."""
    cases = ApprovalCase.objects.filter(stage__in=QUEUE_STAGES[queue], assignee__isnull=True)
    # Only flagged items ever reach legal review (complete_review / send_back), so that queue needs no filter
    # on the item version's snapshot (which the planner misjudges); other queues are per section.
    if queue != "legal_review":
        cases = cases.filter(section_id__in=section_ids(officer))
    cases = cases.exclude(accepted_by=officer)
    if queue != "review":
        cases = cases.exclude(reviewer=officer)
    if queue in ("review", "legal_review", "decision"):
        inspected = Inspection.inspectors.through.objects.filter(inspection__cases=OuterRef("pk"), user=officer)
        cases = cases.exclude(Exists(inspected))
    return cases


@transaction.atomic
def take_next(officer: User, stage: str, *, request=None) -> ApprovalCase | None:
    """Claim the most urgent waiting case of the stage's queue among the officer's sections (red, yellow, then
    the promised date). SELECT ... FOR UPDATE SKIP LOCKED: two officers at once never get the same case."""
    if stage not in QUEUE_STAGES:
        raise DomainError(_("未知的办理环节：%(s)s"), code="stage", params={"s": stage})
    role = _role_for_queue(stage)
    if not officer.has_role(role):
        raise PermissionDenied(_("您没有办理该环节的权限。"))
    candidate = (_eligible(stage, officer).order_by("colour", "promised_due_date", "id")
                 .select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:1])
    pks = list(candidate)
    if not pks:
        return None
    case = _lock(pks[0])
    return _claim_locked(case, officer, stage, request=request)


def _claim_locked(case: ApprovalCase, officer: User, queue: str, *, request=None) -> ApprovalCase:
    before = case.stage
    _hold(case, officer)
    fields = ["assignee", "claimed_at"]
    if case.stage == Stage.RECEIVED:
        _transition(case, "begin_review")
        fields.append("stage")
    _save(case, fields)
    record_audit(officer, "case_claim", case, from_state=before, to_state=case.stage, request=request,
                 data={"queue": queue})
    return case


@transaction.atomic
def claim_case(case: ApprovalCase, officer: User, *, version: int | None = None, request=None) -> ApprovalCase:
    """Take one case from its stage's queue (the officer picked it from the list)."""
    case = _lock(case, version=version)
    _require_open(case)
    queue = case.queue_name
    _require_worker(case, officer, queue)
    if case.assignee_id == officer.pk:
        return case
    _require_holder(case, officer)
    _require_separation(case, officer, {"review": "reviewer", "inspection": "inspector", "legal_review": "legal",
                                        "decision": "certifier"}[queue])
    return _claim_locked(case, officer, queue, request=request)


@transaction.atomic
def release_case(case: ApprovalCase, officer: User, *, version: int | None = None, request=None) -> ApprovalCase:
    """Put a held case back in its queue (the holder, or the section's head)."""
    case = _lock(case, version=version)
    _require_open(case)
    is_head = case.section.head_id == officer.pk
    if case.assignee_id != officer.pk and not is_head:
        raise DomainError(_("您没有认领该案件。"), code="not_claimed")
    _hold(case, None)
    _save(case, ["assignee", "claimed_at"])
    record_audit(officer, "case_release", case, from_state=case.stage, to_state=case.stage, request=request)
    return case


# --- review ------------------------------------------------------------------------------------------------------


def _next_after_review(case: ApprovalCase) -> str:
    if case.needs_inspection:
        return "to_inspection"
    if case.needs_legal_review:
        return "to_legal_review"
    return "to_decision"


@transaction.atomic
def complete_review(case: ApprovalCase, officer: User, opinion: str, needs_inspection: bool = False, *,
                    version: int | None = None, request=None) -> ApprovalCase:
    """审查 done: the opinion is recorded and the case moves on to inspection (item requires it or the
    reviewer asks), legal review (flagged items) or the decision; it waits unassigned in that queue."""
    opinion = _required_text(opinion, _("请填写审查意见。"), "opinion")
    case = _lock(case, version=version)
    _require_open(case)
    _require_stage(case, Stage.RECEIVED, Stage.REVIEW)
    _require_worker(case, officer, "review")
    _require_holder(case, officer)
    _require_separation(case, officer, "reviewer")
    before = case.stage
    if case.stage == Stage.RECEIVED:
        case.begin_review()
    case.reviewer, case.reviewed_at, case.review_opinion = officer, timezone.now(), opinion
    case.inspection_requested = case.inspection_requested or bool(needs_inspection)
    _transition(case, _next_after_review(case))
    _hold(case, None)
    _save(case, ["stage", "reviewer", "reviewed_at", "review_opinion", "inspection_requested", "assignee",
                 "claimed_at"])
    record_audit(officer, "case_review", case, from_state=before, to_state=case.stage, opinion=opinion,
                 request=request, data={"result": "pass", "inspection_requested": bool(needs_inspection)})
    return case


# --- inspection ----------------------------------------------------------------------------------------------------


def _check_inspectors(cases: list[ApprovalCase], inspectors) -> list[User]:
    people = list({u.pk: u for u in inspectors}.values())
    if len(people) < MIN_INSPECTORS:
        raise DomainError(_("现场勘验应当指派两名以上工作人员（《中华人民共和国行政许可法》第三十四条）。"),
                          code="inspectors")
    for person in people:
        if not (person.is_active and person.has_role(Role.APPROVAL_OFFICER)):
            raise DomainError(_("%(p)s 不是在岗的审批人员，不能担任勘验人员。"), code="inspectors", params={"p": person})
        for case in cases:
            message = separation_conflict(case, person, "inspector")
            if message:
                raise DomainError(_("%(p)s：%(m)s"), code="separation", params={"p": person, "m": message})
    return people


@transaction.atomic
def schedule_inspection(cases, scheduled_on: date, place: str, inspectors, by: User, *,
                        reinspection_of: Inspection | None = None, request=None) -> Inspection:
    """Plan one site visit for one or more cases at the same site (合并勘验): a date, a place and at least two
    inspectors, none of whom accepted or reviewed any of the cases. `by` (an officer of every case's section)
    holds the cases meanwhile. The applicant is told the date."""
    place = _required_text(place, _("请填写勘验地点。"), "place")
    if scheduled_on is None or scheduled_on < clock.today():
        raise DomainError(_("勘验日期不能早于今天。"), code="date")
    pks = sorted({c.pk for c in cases})
    if not pks:
        raise DomainError(_("请选择要勘验的案件。"), code="empty")
    locked = [_lock(pk) for pk in pks]  # in id order: no deadlock between two merged inspections
    for case in locked:
        _require_open(case)
        _require_stage(case, Stage.INSPECTION)
        _require_worker(case, by, "inspection")
        _require_holder(case, by)
    pending = Inspection.objects.filter(cases__in=pks, outcome="").distinct()
    if pending.exists():
        raise DomainError(_("所选案件已有尚未记录结果的勘验安排。"), code="pending")
    if reinspection_of is not None and reinspection_of.outcome != Inspection.Outcome.RECTIFY:
        raise DomainError(_("只有“限期整改”的勘验可以安排复查。"), code="not_rectify")
    people = _check_inspectors(locked, inspectors)
    inspection = Inspection.objects.create(scheduled_on=scheduled_on, place=place[:200], scheduled_by=by,
                                           reinspection_of=reinspection_of)
    inspection.cases.set(locked)
    inspection.inspectors.set(people)
    names = "、".join(str(p) for p in people)
    for case in locked:
        _hold(case, by)
        _save(case, ["assignee", "claimed_at"])
        record_audit(by, "inspection_scheduled", case, from_state=case.stage, to_state=case.stage, request=request,
                     opinion=_("%(d)s 在%(p)s现场勘验，勘验人员：%(n)s") % {"d": scheduled_on, "p": place, "n": names},
                     data={"inspection": inspection.pk, "merged": len(locked) > 1,
                           "reinspection_of": reinspection_of.pk if reinspection_of else None})
    for person in people:
        _notify_staff(person, _("现场勘验安排"), _("%(d)s 在%(p)s勘验 %(n)s 件") % {
            "d": scheduled_on, "p": place, "n": len(locked)}, locked[0], dedupe_key=f"inspection:{inspection.pk}")
    for application in {c.application_id: c.application for c in locked}.values():
        app_services.notify_applicant(application, _("现场勘验安排"), _("工作人员将于 %(d)s 到%(p)s现场勘验。") % {
            "d": scheduled_on, "p": place})
    return inspection


@transaction.atomic
def schedule_reinspection(inspection: Inspection, scheduled_on: date, by: User, *, place: str = "",
                          inspectors=None, request=None) -> Inspection:
    """复查 after a rectification: the same cases, the same place and inspectors unless given."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    return schedule_inspection(list(inspection.cases.all()), scheduled_on, place or inspection.place,
                               inspectors if inspectors is not None else list(inspection.inspectors.all()), by,
                               reinspection_of=inspection, request=request)


def _store_evidence(inspection: Inspection, files, by: User, stored: list) -> list[InspectionEvidence]:
    rows = []
    for uploaded in files or ():
        kind, content, digest = evidence_types.check(uploaded)
        original = (getattr(uploaded, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
        record = InspectionEvidence(inspection=inspection, original_name=original, content_type=kind.mime,
                                    extension=kind.extension, size=len(content), sha256=digest, uploaded_by=by)
        record.file.save("evidence", ContentFile(content), save=False)
        stored.append((record.file.storage, record.file.name))
        record.save()
        rows.append(record)
    return rows


def record_inspection_result(inspection: Inspection, by: User, findings: str, outcome: str, *,
                             rectify_deadline: date | None = None, evidence=(), request=None) -> Inspection:
    """The inspectors' findings and outcome, with photos and videos (type sniffed, size capped, stored under
    generated names). pass: each case moves on (legal review or decision); fail: to the decision (a denial is
    expected); rectify: a deadline, the cases stay in inspection until the re-inspection."""
    findings = _required_text(findings, _("请填写勘验情况。"), "findings")
    if outcome not in Inspection.Outcome.values:
        raise DomainError(_("请选择勘验结论。"), code="outcome")
    if outcome == Inspection.Outcome.RECTIFY:
        if rectify_deadline is None or rectify_deadline <= clock.today():
            raise DomainError(_("限期整改须指定晚于今天的整改期限。"), code="deadline")
    else:
        rectify_deadline = None
    stored: list = []
    try:
        with transaction.atomic():
            inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
            if inspection.outcome:
                raise Conflict(_("该次勘验已记录结果（%(o)s）。"), code="recorded",
                               params={"o": inspection.get_outcome_display()})
            if not inspection.inspectors.filter(pk=by.pk).exists():
                raise PermissionDenied(_("只有本次勘验的勘验人员可以记录勘验结果。"))
            cases = [_lock(pk) for pk in sorted(inspection.cases.values_list("pk", flat=True))]
            files = _store_evidence(inspection, evidence, by, stored)
            inspection.outcome, inspection.findings, inspection.rectify_deadline = outcome, findings, rectify_deadline
            inspection.recorded_by, inspection.recorded_at = by, timezone.now()
            inspection.save(update_fields=["outcome", "findings", "rectify_deadline", "recorded_by", "recorded_at"])
            for case in cases:
                if case.stage != Stage.INSPECTION:
                    continue  # withdrawn or terminated meanwhile
                before = case.stage
                if outcome == Inspection.Outcome.PASS:
                    _transition(case, "to_legal_review" if case.needs_legal_review else "to_decision")
                    _hold(case, None)
                elif outcome == Inspection.Outcome.FAIL:
                    _transition(case, "to_decision")
                    _hold(case, None)
                _save(case, ["stage", "assignee", "claimed_at"])
                record_audit(by, "inspection_result", case, from_state=before, to_state=case.stage, opinion=findings,
                             request=request, data={"inspection": inspection.pk, "result": outcome,
                                                    "rectify_deadline": rectify_deadline.isoformat()
                                                    if rectify_deadline else None,
                                                    "evidence": [str(f.public_id) for f in files]})
            if outcome == Inspection.Outcome.RECTIFY:
                for application in {c.application_id: c.application for c in cases}.values():
                    app_services.notify_applicant(application, _("现场勘验：限期整改"), _(
                        "请于 %(d)s 前完成整改，届时工作人员将现场复查。整改意见：%(f)s") % {
                        "d": rectify_deadline, "f": findings[:100]})
    except BaseException:
        for storage, path in stored:
            storage.delete(path)
        raise
    return inspection


# --- legal review ------------------------------------------------------------------------------------------------


@transaction.atomic
def legal_review(case: ApprovalCase, reviewer: User, approve: bool, comments: str = "", *,
                 version: int | None = None, request=None) -> LegalReview:
    """法制审核 of a flagged item's draft decision: approve (on to the decision) or return it to the reviewer
    with comments (退回)."""
    comments = (comments or "").strip()
    if not approve and not comments:
        raise DomainError(_("退回须写明审核意见。"), code="comments")
    comments = comments or str(_("经审核，拟作出的许可决定主体合法、事实清楚、依据充分、程序合法。"))
    case = _lock(case, version=version)
    _require_open(case)
    _require_stage(case, Stage.LEGAL_REVIEW)
    _require_worker(case, reviewer, "legal_review")
    _require_holder(case, reviewer)
    _require_separation(case, reviewer, "legal")
    review = LegalReview.objects.create(case=case, reviewer=reviewer, comments=comments,
                                        outcome=LegalReview.Outcome.APPROVE if approve else LegalReview.Outcome.RETURN)
    before = case.stage
    if approve:
        _transition(case, "to_decision")
        case.legal_reviewer = reviewer
        _hold(case, None)
    else:
        _transition(case, "back_to_review")
        _hold(case, case.reviewer)
    _save(case, ["stage", "legal_reviewer", "assignee", "claimed_at"])
    record_audit(reviewer, "legal_review" if approve else "legal_review_return", case, from_state=before,
                 to_state=case.stage, opinion=comments, request=request,
                 data={"result": review.outcome, "legal_review": review.pk})
    if not approve:
        _notify_staff(case.reviewer, _("法制审核退回"), comments[:200], case)
    return review


# --- send-back ----------------------------------------------------------------------------------------------------

SEND_BACK = {Stage.REVIEW: "back_to_review", Stage.INSPECTION: "back_to_inspection",
             Stage.LEGAL_REVIEW: "back_to_legal_review"}


@transaction.atomic
def send_back(case: ApprovalCase, officer: User, to_stage: str, reason: str, *, version: int | None = None,
              request=None) -> ApprovalCase:
    """退回 from a later stage to an earlier one, with a reason. Back to review returns the case to its reviewer;
    to inspection or legal review it waits in that queue."""
    reason = _required_text(reason, _("退回须写明理由。"), "reason")
    case = _lock(case, version=version)
    _require_open(case)
    queue = case.queue_name
    _require_worker(case, officer, queue)
    _require_holder(case, officer)
    order = [Stage.REVIEW, Stage.INSPECTION, Stage.LEGAL_REVIEW, Stage.DECISION]
    if to_stage not in SEND_BACK or case.stage not in order or order.index(to_stage) >= order.index(case.stage):
        raise DomainError(_("只能退回到之前的环节。"), code="send_back_target")
    if to_stage == Stage.INSPECTION and not (case.needs_inspection or case.inspections.exists()):
        raise DomainError(_("该案件无需现场勘验，不能退回勘验环节。"), code="send_back_target")
    if to_stage == Stage.LEGAL_REVIEW and not case.needs_legal_review:
        raise DomainError(_("该事项无需法制审核，不能退回法制审核环节。"), code="send_back_target")
    before = case.stage
    _transition(case, SEND_BACK[to_stage])
    back_to = case.reviewer if to_stage == Stage.REVIEW and case.reviewer and case.reviewer.is_active else None
    _hold(case, back_to)
    _save(case, ["stage", "assignee", "claimed_at"])
    record_audit(officer, "case_send_back", case, from_state=before, to_state=case.stage, opinion=reason,
                 request=request, data={"result": "return"})
    _notify_staff(back_to, _("案件被退回"), reason[:200], case)
    return case


# --- decision ------------------------------------------------------------------------------------------------------


def appeal_rights_text() -> str:
    body = getattr(settings, "RECONSIDERATION_BODY", "") or _("本级人民政府")
    return _("如不服本决定，可以自收到本决定书之日起%(d)s日内向%(body)s申请行政复议，或者在%(m)s个月内依法向人民法院"
             "提起行政诉讼。") % {"d": RECONSIDERATION_DAYS, "body": body, "m": LITIGATION_MONTHS}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def certificate_defaults(case: ApprovalCase, today: date | None = None) -> dict:
    """What an approval's certificate carries unless the certifier changes it: the applicant as holder, the
    item as scope, validity from today for the item's certificate validity (years; none: long-term)."""
    today = today or clock.today()
    snapshot = case.item_version.snapshot
    applicant = case.application.applicant
    years = snapshot.get("certificate_validity_years")
    return {
        "certificate_name": snapshot.get("certificate_name") or "",
        "holder_name": applicant.name, "holder_id_type": applicant.id_type, "holder_id_number": applicant.id_number,
        "scope": snapshot.get("name", ""), "valid_from": today,
        "valid_until": (_add_years(today, years) - timedelta(days=1)) if years else None,
    }


def _all_decided(application_id: int) -> bool:
    stages = list(ApprovalCase.objects.filter(application_id=application_id).values_list("stage", flat=True))
    return bool(stages) and all(s in CLOSED_STAGES for s in stages) and any(s in DECIDED_STAGES for s in stages)


@transaction.atomic
def decide(case: ApprovalCase, officer: User, approve: bool, *, certificate: dict | None = None, reasons: str = "",
           opinion: str = "", version: int | None = None, request=None) -> Decision:
    """决定 (出证): approve with the certificate's data, or deny with reasons (the appeal rights are written in).
    The certifier is none of the clerk, reviewer and inspectors. When every case of the application is decided,
    the application moves to the issuing window and the applicant is told."""
    Application.objects.select_for_update(of=("self",)).filter(pk=case.application_id).values_list("pk").first()
    case = _lock(case, version=version)
    _require_open(case)
    _require_stage(case, Stage.DECISION)
    _require_worker(case, officer, "decision")
    _require_holder(case, officer)
    _require_separation(case, officer, "certifier")
    if case.suspended_since is not None:
        raise DomainError(_("案件处于期限中止（%(d)s 起），请先恢复计时再作出决定。"), code="suspended",
                          params={"d": case.suspended_since})
    if case.needs_legal_review and not case.legal_reviews.filter(outcome=LegalReview.Outcome.APPROVE).exists():
        raise DomainError(_("该事项须经法制审核通过后方可作出决定。"), code="legal_review")
    now = timezone.now()
    opinion = (opinion or "").strip()
    if approve:
        values = {**certificate_defaults(case), **{k: v for k, v in (certificate or {}).items() if v not in (None, "")}}
        if not (values.get("holder_name") or "").strip():
            raise DomainError(_("请填写持证主体。"), code="holder")
        if values.get("valid_until") and values["valid_until"] < values["valid_from"]:
            raise DomainError(_("证照有效期截止日不能早于起始日。"), code="validity")
        decision = Decision(case=case, outcome=Decision.Outcome.APPROVE, decided_by=officer, decided_at=now,
                            opinion=opinion, **{k: values[k] for k in ("certificate_name", "holder_name",
                                                                        "holder_id_type", "holder_id_number", "scope",
                                                                        "valid_from", "valid_until")})
        method, kind = "approve", Notice.Kind.APPROVAL
    else:
        reasons = _required_text(reasons, _("不予许可须说明理由。"), "reasons")
        decision = Decision(case=case, outcome=Decision.Outcome.DENY, decided_by=officer, decided_at=now,
                            opinion=opinion, reasons=reasons, appeal_rights=appeal_rights_text())
        method, kind = "deny", Notice.Kind.DENIAL
    before = case.stage
    _transition(case, method)
    case.decided_at = case.closed_at = now
    case.decided_by = officer
    _disarm(case)
    _save(case, ["stage", "decided_at", "decided_by", "closed_at", "assignee", "claimed_at", *TIMER_FIELDS])
    decision.notice = issue_notice(case.application, kind, officer, {
        "case": case, "decision": decision, "version": case.item_version, "opinion": opinion,
        "decided_on": timezone.localdate(now)}, request=request)
    decision.save()
    record_audit(officer, "case_approve" if approve else "case_deny", case, from_state=before, to_state=case.stage,
                 opinion=opinion or reasons, request=request,
                 data={"result": decision.outcome, "decision": decision.pk, "notice": decision.notice.number})
    if _all_decided(case.application_id):
        application = Application.objects.get(pk=case.application_id)
        app_services.record_decision(application, officer, action="all_cases_decided", request=request,
                                     opinion=_("全部审批事项已作出决定，转统一出件窗口。"))
    return decision


# --- terminate ----------------------------------------------------------------------------------------------------


@transaction.atomic
def terminate(case: ApprovalCase, officer: User, reason: str, *, version: int | None = None,
              request=None) -> ApprovalCase:
    """终止办理, by the section's head or a bureau leader, with a reason; the applicant is told."""
    reason = _required_text(reason, _("终止办理须写明理由。"), "reason")
    case = _lock(case, version=version)
    _require_open(case)
    _require_head_or_leader(case, officer)
    before = case.stage
    _transition(case, "terminate")
    case.closed_at = timezone.now()
    _disarm(case)
    _save(case, ["stage", "closed_at", "assignee", "claimed_at", *TIMER_FIELDS])
    record_audit(officer, "case_terminate", case, from_state=before, to_state=case.stage, opinion=reason,
                 request=request)
    app_services.notify_applicant(case.application, _("审批事项终止办理"), reason[:120])
    if _all_decided(case.application_id):
        application = Application.objects.select_for_update().get(pk=case.application_id)
        if application.status == Status.ACCEPTED:
            app_services.record_decision(application, officer, action="all_cases_decided", request=request,
                                         opinion=_("全部审批事项已办结，转统一出件窗口。"))
    return case


# --- extension (Art. 42) ------------------------------------------------------------------------------------------


def _require_head_or_leader(case: ApprovalCase, user: User) -> None:
    if user.has_role(Role.BUREAU_LEADER):
        return
    if user.has_role(Role.SECTION_HEAD) and case.section.head_id == user.pk:
        return
    raise PermissionDenied(_("只有%(section)s负责人或局领导可以审批。") % {"section": case.section})


def _require_section_officer(case: ApprovalCase, user: User) -> None:
    if not (user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD) and case.section_id in section_ids(user)):
        raise PermissionDenied(_("该案件属于%(section)s，您只能办理本科室的案件。") % {"section": case.section})


@transaction.atomic
def request_extension(case: ApprovalCase, officer: User, reason: str, *, request=None) -> ExtensionRequest:
    """Ask to extend the limit: +10 working days (Art. 42), +15 for a case of a jointly handled bundle (Art. 26);
    once per case, before the statutory date; the section head (or a leader) decides."""
    reason = _required_text(reason, _("请写明延期理由。"), "reason")
    case = _lock(case.pk)  # a side action: no stale-version check
    _require_open(case)
    _require_section_officer(case, officer)
    if case.extensions.filter(status=ExtensionRequest.Status.APPROVED).exists():
        raise DomainError(_("审批期限只能延长一次（《中华人民共和国行政许可法》第四十二条）。"), code="once")
    if case.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise DomainError(_("已有待审批的延期申请。"), code="pending")
    if clock.today() > case.statutory_due_date:
        raise DomainError(_("已超过法定办结期限，不能再申请延期。"), code="too_late")
    days = JOINT_EXTENSION_DAYS if is_joint(case) else EXTENSION_DAYS
    extension = ExtensionRequest.objects.create(case=case, days=days, reason=reason, requested_by=officer)
    record_audit(officer, "extension_request", case, from_state=case.stage, to_state=case.stage, opinion=reason,
                 request=request, data={"extension": extension.pk, "days": days})
    head = case.section.head
    _notify_staff(head, _("延期申请待审批"), _("%(c)s 申请延长 %(d)s 个工作日：%(r)s") % {
        "c": case, "d": days, "r": reason[:100]}, case, dedupe_key=f"extension:{extension.pk}")
    return extension


@transaction.atomic
def decide_extension(extension: ExtensionRequest, approver: User, approve: bool, opinion: str = "", *,
                     request=None) -> ExtensionRequest:
    """The head or a leader approves (both due dates move by the extension, the applicant gets a written
    notice with the reason) or refuses (with an opinion) an extension request."""
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    case = _lock(extension.case_id)
    _require_head_or_leader(case, approver)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise Conflict(_("该延期申请已处理（%(s)s）。"), code="decided", params={"s": extension.get_status_display()})
    if approver.pk == extension.requested_by_id:
        raise DomainError(_("延期申请不能由申请人本人审批。"), code="separation")
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise DomainError(_("不予批准须写明意见。"), code="opinion")
    extension.decided_by, extension.decided_at, extension.opinion = approver, timezone.now(), opinion
    if approve:
        _require_open(case)
        extension.status = ExtensionRequest.Status.APPROVED
        old = (case.statutory_due_date, case.promised_due_date)
        case.extension_days = extension.days
        recompute_due_dates(case)
        _save(case, ["extension_days", "statutory_due_date", "promised_due_date", *TIMER_FIELDS])
        extension.notice = issue_notice(case.application, Notice.Kind.EXTENSION, approver, {
            "case": case, "version": case.item_version, "extension": extension, "reason": extension.reason,
            "statutory_due_date": case.statutory_due_date, "promised_due_date": case.promised_due_date},
            request=request)
        app_services.notify_applicant(case.application, _("审批期限延长"), _(
            "经批准延长 %(d)s 个工作日，新的办结期限为 %(p)s。理由：%(r)s") % {
            "d": extension.days, "p": case.promised_due_date, "r": extension.reason[:80]})
        data = {"extension": extension.pk, "days": extension.days, "result": "approved",
                "old_due": [old[0].isoformat(), old[1].isoformat()],
                "new_due": [case.statutory_due_date.isoformat(), case.promised_due_date.isoformat()]}
    else:
        extension.status = ExtensionRequest.Status.REFUSED
        data = {"extension": extension.pk, "days": extension.days, "result": "refused"}
    extension.save(update_fields=["status", "decided_by", "decided_at", "opinion", "notice"])
    record_audit(approver, "extension_approve" if approve else "extension_refuse", case, from_state=case.stage,
                 to_state=case.stage, opinion=opinion or extension.reason, request=request, data=data)
    _notify_staff(extension.requested_by, _("延期申请已批准") if approve else _("延期申请未获批准"),
                  opinion or str(case), case)
    return extension


# --- suspension (Art. 45) -----------------------------------------------------------------------------------------


@transaction.atomic
def suspend(case: ApprovalCase, officer: User, kind: str, reason: str, *, start: date | None = None,
            expected_end: date | None = None, request=None) -> Suspension:
    """Stop the clock for a hearing, testing, appraisal, expert review ... (Art. 45): the applicant is told in
    writing (a notice) what and for how long; the stage stays where it was; the timers pause."""
    reason = _required_text(reason, _("请写明中止计时的事由。"), "reason")
    if kind not in Suspension.Kind.values:
        raise DomainError(_("请选择特别程序的类型。"), code="kind")
    today = clock.today()
    start = start or today
    case = _lock(case.pk)  # a side action: no stale-version check
    _require_open(case)
    _require_section_officer(case, officer)
    if case.suspended_since is not None:
        raise DomainError(_("案件已处于期限中止状态（%(d)s 起）。"), code="suspended", params={"d": case.suspended_since})
    accepted_on = clock.local_date(case.accepted_at)
    if start < accepted_on or start > today:
        raise DomainError(_("中止起始日不能早于受理日，也不能晚于今天。"), code="start")
    last = (Suspension.objects.filter(case=case, end__isnull=False).order_by("-end")
            .values_list("end", flat=True).first())
    if last is not None and start <= last:
        raise DomainError(_("中止起始日不能早于上一次中止的结束日。"), code="start")
    if expected_end is not None and expected_end < start:
        raise DomainError(_("预计结束日不能早于起始日。"), code="expected_end")
    suspension = Suspension.objects.create(case=case, kind=kind, reason=reason, start=start,
                                           expected_end=expected_end, started_by=officer)
    case.suspended_since = start
    recompute_due_dates(case)
    _save(case, ["suspended_since", "statutory_due_date", "promised_due_date", *TIMER_FIELDS])
    suspension.notice = issue_notice(case.application, Notice.Kind.SUSPENSION, officer, {
        "case": case, "version": case.item_version, "suspension": suspension}, request=request)
    suspension.save(update_fields=["notice"])
    record_audit(officer, "case_suspend", case, from_state=case.stage, to_state=case.stage, opinion=reason,
                 request=request, data={"suspension": suspension.pk, "kind": kind, "start": start.isoformat(),
                                        "expected_end": expected_end.isoformat() if expected_end else None})
    app_services.notify_applicant(case.application, _("审批期限中止计算"), _("%(k)s期间不计入审批期限：%(r)s") % {
        "k": suspension.get_kind_display(), "r": reason[:80]})
    return suspension


@transaction.atomic
def resume(case: ApprovalCase, officer: User, *, end: date | None = None, request=None) -> Suspension:
    """End the open suspension on `end` (included in the time not counted): both due dates move by exactly the
    working days suspended; the timers run again; the applicant is told in writing."""
    case = _lock(case.pk)  # a side action: no stale-version check
    _require_open(case)
    _require_section_officer(case, officer)
    suspension = Suspension.objects.select_for_update().filter(case=case, end__isnull=True).first()
    if suspension is None:
        raise DomainError(_("案件没有处于期限中止状态。"), code="not_suspended")
    end = end or clock.today()
    if end < suspension.start or end > clock.today():
        raise DomainError(_("结束日应在中止起始日之后、且不晚于今天。"), code="end")
    suspension.end, suspension.ended_by = end, officer
    suspension.save(update_fields=["end", "ended_by"])
    old = (case.statutory_due_date, case.promised_due_date)
    case.suspended_since = None
    recompute_due_dates(case)
    _save(case, ["suspended_since", "statutory_due_date", "promised_due_date", *TIMER_FIELDS])
    suspension.end_notice = issue_notice(case.application, Notice.Kind.RESUMPTION, officer, {
        "case": case, "version": case.item_version, "suspension": suspension,
        "statutory_due_date": case.statutory_due_date, "promised_due_date": case.promised_due_date}, request=request)
    suspension.save(update_fields=["end_notice"])
    record_audit(officer, "case_resume", case, from_state=case.stage, to_state=case.stage, request=request,
                 opinion=_("%(k)s结束，恢复计算审批期限") % {"k": suspension.get_kind_display()},
                 data={"suspension": suspension.pk, "end": end.isoformat(),
                       "old_due": [old[0].isoformat(), old[1].isoformat()],
                       "new_due": [case.statutory_due_date.isoformat(), case.promised_due_date.isoformat()]})
    app_services.notify_applicant(case.application, _("恢复计算审批期限"), _("新的承诺办结日期为 %(d)s。") % {
        "d": case.promised_due_date})
    return suspension


# --- timers (beat): set-based sweeps ------------------------------------------------------------------------------

COLOUR_WORDS = {Colour.RED: _("红色预警"), Colour.YELLOW: _("黄色预警")}

_SWEEP_SQL = """
WITH due AS (
    SELECT id, colour AS old_colour, statutory_alarm AS old_alarm
      FROM approvals_approvalcase
     WHERE (colour = 2 AND yellow_from IS NOT NULL AND yellow_from <= %(today)s)
        OR (colour > 0 AND red_from IS NOT NULL AND red_from <= %(today)s)
        OR (statutory_alarm = FALSE AND statutory_alarm_from IS NOT NULL AND statutory_alarm_from <= %(today)s)
     ORDER BY id
       FOR UPDATE SKIP LOCKED
), changed AS (
    UPDATE approvals_approvalcase AS c
       SET colour = CASE WHEN c.red_from <= %(today)s THEN 0 WHEN c.yellow_from <= %(today)s THEN 1 ELSE 2 END,
           statutory_alarm = c.statutory_alarm OR c.statutory_alarm_from <= %(today)s,
           colour_changed_at = now()
      FROM due
     WHERE c.id = due.id
 RETURNING c.id, due.old_colour, c.colour, due.old_alarm, c.statutory_alarm, c.assignee_id, c.section_id,
           c.application_id, c.promised_due_date, c.statutory_due_date
), info AS (
    SELECT ch.*, s.head_id, a.case_number
      FROM changed ch
      JOIN catalog_section s ON s.id = ch.section_id
      JOIN applications_application a ON a.id = ch.application_id
), events AS (
    SELECT i.id, i.case_number, i.assignee_id, i.head_id,
           CASE i.colour WHEN 0 THEN 'red' ELSE 'yellow' END || ':' || i.promised_due_date AS key,
           CASE i.colour WHEN 0 THEN %(red_0)s || i.case_number || %(red_1)s
                         ELSE %(yellow_0)s || i.case_number || %(yellow_1)s END AS title,
           %(promised_0)s || i.promised_due_date || %(promised_1)s AS body
      FROM info i WHERE i.colour < i.old_colour
    UNION ALL
    SELECT i.id, i.case_number, i.assignee_id, i.head_id, 'alarm:' || i.statutory_due_date,
           %(alarm_0)s || i.case_number || %(alarm_1)s, %(statutory_0)s || i.statutory_due_date || %(statutory_1)s
      FROM info i WHERE i.statutory_alarm AND NOT i.old_alarm
), notes AS (
    -- the holder (or the section head when nobody holds the case) and the section head, once per key
    INSERT INTO portal_notification (recipient_id, title, body, url, dedupe_key, created_at)
    SELECT DISTINCT r.user_id, left(e.title, 200), e.body, %(url_0)s || e.id || %(url_1)s,
           'approvals:case:' || e.id || ':' || e.key, now()
      FROM events e CROSS JOIN LATERAL (VALUES (coalesce(e.assignee_id, e.head_id)), (e.head_id)) AS r(user_id)
     WHERE r.user_id IS NOT NULL
    ON CONFLICT DO NOTHING
 RETURNING id, recipient_id
), copies AS (
    INSERT INTO portal_notificationdelivery (notification_id, channel, address, status, attempts, last_error,
                                             created_at)
    SELECT n.id, ch.channel, {address}, 'pending', 0, '', now()
      FROM notes n JOIN portal_user u ON u.id = n.recipient_id CROSS JOIN unnest(%(channels)s::text[]) AS ch(channel)
     WHERE coalesce({address}, '') <> ''
 RETURNING id
), audit AS (
    INSERT INTO portal_auditevent (created_at, actor_name, actor_role, action, object_type, object_id, object_repr,
                                   from_state, to_state, opinion, data)
    SELECT now(), %(system)s, 'system', 'case_warning', 'approvals.approvalcase', e.id::text, e.case_number, '', '',
           e.title || '（' || e.body || '）', '{{}}'::jsonb
      FROM events e
 RETURNING 1
)
SELECT (SELECT count(*) FROM info), (SELECT array_agg(id) FROM copies), (SELECT count(*) FROM audit)
"""


def _around(template: str) -> tuple[str, str]:
    """The text before and after the one placeholder of a translated template, for SQL concatenation."""
    before, _placeholder, after = template.partition("\x00")
    return before, after


def _sweep_parameters(today: date) -> dict:
    hole = "\x00"
    texts = {
        "red": _("%(w)s：%(n)s") % {"w": COLOUR_WORDS[Colour.RED], "n": hole},
        "yellow": _("%(w)s：%(n)s") % {"w": COLOUR_WORDS[Colour.YELLOW], "n": hole},
        "promised": _("承诺办结日期 %(d)s。") % {"d": hole},
        "alarm": _("法定时限告警：%(n)s") % {"n": hole},
        "statutory": _("法定办结期限 %(d)s，请立即处理。") % {"d": hole},
        "url": case_url(0).replace("/0/", f"/{hole}/"),
    }
    parameters = {"today": today, "channels": list(settings.APPROVAL_WARNING_CHANNELS), "system": SYSTEM_NAME}
    for name, text in texts.items():
        parameters[f"{name}_0"], parameters[f"{name}_1"] = _around(str(text))
    return parameters


@transaction.atomic
def sweep_timers(today: date | None = None) -> int:
    """Mark cases yellow / red / statutory alarm on the day their timer says, and tell the holder (or the section
    head when nobody holds it) and the section head once per change (a dedupe key per case, colour and date),
    in the bell and by the outside channels, with an audit row per change: all in ONE statement over the armed
    timers (partial indexes: the cost follows the rows that change; no per-row Python; bench/approvals_bench.py).
    Safe to run twice: nothing changes the second time. Rows an officer is writing right now are skipped
    (SKIP LOCKED) and caught by the next run. Returns how many cases changed."""
    today = today or clock.today()
    with connection.cursor() as cursor:
        cursor.execute(_SWEEP_SQL.format(address=address_sql("ch.channel", "u")), _sweep_parameters(today))
        changed, copies, _audited = cursor.fetchone()
    if copies:
        transaction.on_commit(lambda: enqueue_deliveries(copies))
    if changed:
        log.info("timer sweep %s: %d cases changed colour or alarm", today, changed)
    return changed


_RECTIFY_SQL = """
WITH overdue AS (
    SELECT i.id FROM approvals_inspection i
     WHERE i.outcome = 'rectify' AND i.rectify_overdue_at IS NULL AND i.rectify_deadline < %(today)s
       AND NOT EXISTS (SELECT 1 FROM approvals_inspection r WHERE r.reinspection_of_id = i.id)
     ORDER BY i.id FOR UPDATE SKIP LOCKED
), flagged AS (
    UPDATE approvals_inspection AS i SET rectify_overdue_at = now() FROM overdue WHERE i.id = overdue.id
 RETURNING i.id, i.scheduled_by_id, i.rectify_deadline
)
SELECT f.id, f.scheduled_by_id, f.rectify_deadline, c.id, c.assignee_id, s.head_id
  FROM flagged f
  JOIN approvals_inspection_cases ic ON ic.inspection_id = f.id
  JOIN approvals_approvalcase c ON c.id = ic.approvalcase_id
  JOIN catalog_section s ON s.id = c.section_id
"""


@transaction.atomic
def flag_overdue_rectifications(today: date | None = None) -> int:
    """Inspections whose rectification deadline passed without a re-inspection are flagged once (one UPDATE)
    and the people holding the cases (and the section head) are told. Returns how many inspections."""
    today = today or clock.today()
    with connection.cursor() as cursor:
        cursor.execute(_RECTIFY_SQL, {"today": today})
        rows = cursor.fetchall()
    messages, inspections = [], set()
    for inspection_id, scheduled_by, deadline, case_id, assignee_id, head_id in rows:
        inspections.add(inspection_id)
        for user_id in {u for u in (scheduled_by, assignee_id, head_id) if u}:
            messages.append(Message(recipient_id=user_id, title=str(_("整改期限已过，请安排复查或作出决定")),
                                    body=str(_("整改期限 %(d)s。") % {"d": deadline}), url=case_url(case_id),
                                    dedupe_key=f"approvals:rectify:{inspection_id}:{case_id}"))
    notify_many(messages, channels=settings.APPROVAL_WARNING_CHANNELS)
    record_system_events("rectify_overdue", "approvals.inspection", [(pk, "") for pk in sorted(inspections)],
                         opinion=_("整改期限已过，尚未复查"))
    return len(inspections)
