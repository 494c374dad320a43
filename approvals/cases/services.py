"""Writes of the staged workflow (审查 -> 勘验 -> 决定; for flagged items 决定草稿 -> 法制审核 -> 决定),
extensions, suspensions and the sweeps of the inspections; the cases are opened by intake (open_cases) and closed
here or on withdrawal.

Every write: one transaction; the case row is locked (SELECT ... FOR UPDATE) and compared with the version
the caller saw (`version=`, else the passed object's), so two officers acting on the same case at once get
one success and one Conflict; `version` is bumped on every write and the FSM's own check (ConcurrentTransition)
backs it up. Who may do what is approvals.cases.policy (the same verdicts the case page shows as its buttons):
a refusal is a DomainError (rules, incl. separation of duties: code "separation"), a Conflict (someone else was
first) or PermissionDenied (not your section / role). Services return the fresh case: callers use the returned
object, not the one they passed in.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from applications import services as app_services
from applications.models import Application, Status
from approvals.cases import evidence as evidence_types
from approvals.cases import policy
from approvals import events
from approvals.certificates import services as certificates
from approvals.certificates.services import certificate_defaults
from approvals.cases.models import (
    CLOSED_STAGES,
    DECIDED_STAGES,
    QUEUE_STAGES,
    ApprovalCase,
    Decision,
    DecisionDraft,
    ExtensionRequest,
    Inspection,
    InspectionEvidence,
    LegalReview,
    Stage,
    Suspension,
)
from approvals.models import Notice
from approvals.notices import appeal_rights_text, issue_notice
from approvals.timers import TIMER_FIELDS, Due, arm, case_url, disarm, is_joint, ordered_versions, recompute_due_dates
from portal import clock
from portal.audit import record_audit, record_system_events
from portal.errors import Conflict, DomainError
from portal.identifiers import normalise_identifier
from portal.models import User
from portal.notifications import Message, notify, notify_many
from portal.roles import Role
from portal.validators import citizen_id_error, credit_code_error

log = logging.getLogger(__name__)

EXTENSION_DAYS = 10  # Art. 42


JOINT_EXTENSION_DAYS = 15  # Art. 26, joint handling of a bundle


# --- opening and closing cases (intake opens them; a withdrawal closes them) ---------------------------------------


def new_cases(application: Application, accepted_at, accepted_by: User | None, dues: dict[int, Due],
              by_commitment: bool = False) -> list[ApprovalCase]:
    """Unsaved cases, one per item of the application, with their due dates and armed timers."""
    cases = [
        ApprovalCase(
            application=application, item_id=version.item_id, item_version=version,
            section_id=version.snapshot["section"]["id"], accepted_at=accepted_at, accepted_by=accepted_by,
            statutory_due_date=dues[version.item_id].statutory, promised_due_date=dues[version.item_id].promised,
            by_commitment=by_commitment,
        )
        for version in ordered_versions(application)
    ]
    for case in cases:
        arm(case)  # the warning timers start with the case (the sweep turns them yellow/red)
    return cases


def open_cases(application: Application, clerk: User | None, accepted_at, dues, *, by_commitment=False,
               request=None) -> list[ApprovalCase]:
    """Open the cases of an application the clerk accepted (inside the acceptance's transaction)."""
    cases = ApprovalCase.objects.bulk_create(new_cases(application, accepted_at, clerk, dues, by_commitment))
    for case in cases:
        record_audit(clerk, "case_open", case, to_state=Stage.RECEIVED, request=request,
                     data={"application": application.pk, "promised_due": case.promised_due_date.isoformat(),
                           "statutory_due": case.statutory_due_date.isoformat()})
    return cases


def open_deemed_cases(applications: list[Application], dues_by_application: dict[int, dict[int, Due]]) -> list:
    """Art. 32: the cases of applications deemed accepted, in bulk, written by the system."""
    cases = []
    for application in applications:
        cases.extend(new_cases(application, application.accepted_at, None, dues_by_application[application.pk]))
    ApprovalCase.objects.bulk_create(cases)
    record_system_events("case_open", "approvals.approvalcase", [(c.pk, str(c.application.case_number)) for c in cases],
                         to_state=Stage.RECEIVED, opinion=_("逾期视为受理"))
    return cases


def approve_on_the_spot(cases: list[ApprovalCase], clerk: User, opinion: str, *, request=None) -> None:
    """即办件 / 告知承诺: the clerk's cases decided at the window at once (the clerk holds the permission)."""
    now = timezone.now()
    for case in cases:
        case.approve_on_the_spot()
        case.decided_at = case.closed_at = now
        case.decided_by = clerk
        disarm(case)
        try:
            case.save(update_fields=["stage", "decided_at", "decided_by", "closed_at", "assignee", "claimed_at",
                                     *TIMER_FIELDS])
        except ConcurrentTransition:
            raise Conflict(_("审批案件已被他人处理。"), code="concurrent") from None
        record_audit(clerk, "case_approve_on_the_spot", case, from_state=Stage.RECEIVED, to_state=Stage.APPROVED,
                     opinion=opinion, request=request)
    for case in cases:
        if not certificates.issues_certificate(case):
            events.case_decided(case)
    if cases:
        certificates.issue_due(cases[0].application, clerk, request=request)


def close_cases_on_withdrawal(event) -> None:
    """Outbox consumer of "application.withdrawn" (portal.outbox): every open case of the application is withdrawn,
    by the applicant who withdrew, with their reason. Idempotent: closed cases are left as they are."""
    application_id = int(event.subject_id)
    actor = User.objects.filter(pk=event.payload.get("actor_id")).first()
    reason = event.payload.get("reason", "")
    now = timezone.now()
    for case in (ApprovalCase.objects.select_for_update().filter(application_id=application_id)
                 .exclude(stage__in=CLOSED_STAGES)):
        before = case.stage
        try:
            case.withdraw()
        except TransitionNotAllowed:
            continue
        case.closed_at = now
        disarm(case)
        case.version += 1
        case.save(update_fields=["stage", "closed_at", "assignee", "claimed_at", "version", *TIMER_FIELDS])
        record_audit(actor, "case_withdrawn", case, from_state=before, to_state=Stage.WITHDRAWN, opinion=reason)


def _lock(case: ApprovalCase | int, *, version: int | None = None) -> ApprovalCase:
    """The case row, locked, checked against the version the caller saw."""
    pk = case if isinstance(case, int) else case.pk
    expected = version if version is not None else (None if isinstance(case, int) else case.version)
    locked = (ApprovalCase.objects.select_for_update(of=("self",))
              .select_related("item_version", "section", "application__bundle", "application__applicant")
              .get(pk=pk))
    if locked.application.status == Status.WITHDRAWN:  # its cases are being closed (close_cases_on_withdrawal)
        raise Conflict(_("申请人已撤回该申请，案件随之撤回，本次操作未生效。"), code="withdrawn")
    if expected is not None and locked.version != expected:
        raise Conflict(_("案件 %(case)s 已被他人处理（当前环节：%(stage)s），本次操作未生效；请刷新页面查看最新情况。"),
                       code="concurrent", params={"case": locked, "stage": locked.get_stage_display()})
    return locked


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


def _eligible(queue: str, officer: User):
    """Waiting cases of `queue` the officer may take: role, section, and four-way separation (in SQL)."""
    cases = ApprovalCase.objects.filter(stage__in=QUEUE_STAGES[queue], assignee__isnull=True)
    # Only flagged items ever reach legal review (complete_review / send_back), so that queue needs no filter
    # on the item version's snapshot (which the planner misjudges); other queues are per section.
    if queue != "legal_review":
        cases = cases.filter(section_id__in=policy.section_ids(officer))
    cases = cases.exclude(accepted_by=officer)
    if queue != "review":
        cases = cases.exclude(reviewer=officer)
    if queue in ("review", "legal_review", "decision"):
        inspected = Inspection.inspectors.through.objects.filter(inspection__cases=OuterRef("pk"), user=officer)
        cases = cases.exclude(Exists(inspected))
    return cases


@transaction.atomic
def take_next(officer: User, stage: str, *, request=None) -> ApprovalCase | None:
    """Claim the most urgent waiting case of the stage's queue among the officer's sections (the earliest
    promised date: red, then yellow, then the rest). SELECT ... FOR UPDATE SKIP LOCKED: two officers at once
    never get the same case."""
    policy.may_take_from(officer, stage).enforce()
    candidate = (_eligible(stage, officer).order_by("promised_due_date", "id")
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
    policy.can_claim(case, officer).enforce()
    queue = case.queue_name
    if case.assignee_id == officer.pk:
        return case
    return _claim_locked(case, officer, queue, request=request)


@transaction.atomic
def release_case(case: ApprovalCase, officer: User, *, version: int | None = None, request=None) -> ApprovalCase:
    """Put a held case back in its queue (the holder, or the section's head)."""
    case = _lock(case, version=version)
    policy.can_release(case, officer).enforce()
    _hold(case, None)
    _save(case, ["assignee", "claimed_at"])
    record_audit(officer, "case_release", case, from_state=case.stage, to_state=case.stage, request=request)
    return case


def _next_after_review(case: ApprovalCase) -> str:
    if case.needs_inspection:
        return "to_inspection"
    return "to_decision"  # flagged items reach legal review with the certifier's draft (decide)


@transaction.atomic
def complete_review(case: ApprovalCase, officer: User, opinion: str, needs_inspection: bool = False, *,
                    version: int | None = None, request=None) -> ApprovalCase:
    """审查 done: the opinion is recorded and the case moves on to inspection (item requires it or the
    reviewer asks), legal review (flagged items) or the decision; it waits unassigned in that queue."""
    opinion = _required_text(opinion, _("请填写审查意见。"), "opinion")
    case = _lock(case, version=version)
    policy.can_review(case, officer).enforce()
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


def _check_inspectors(cases: list[ApprovalCase], inspectors) -> list[User]:
    people = list({u.pk: u for u in inspectors}.values())
    if len(people) < policy.MIN_INSPECTORS:
        raise DomainError(_("现场勘验应当指派两名以上工作人员（《中华人民共和国行政许可法》第三十四条）。"),
                          code="inspectors")
    for person in people:
        if not (person.is_active and person.has_role(Role.APPROVAL_OFFICER)):
            raise DomainError(_("%(p)s 不是在岗的审批人员，不能担任勘验人员。"), code="inspectors", params={"p": person})
        for case in cases:
            message = policy.separation_conflict(case, person, "inspector")
            if message:
                raise DomainError(_("%(p)s：%(m)s"), code="separation", params={"p": person, "m": message})
    return people


OVERDUE_INSPECTION_DAYS = 30  # a case already past its statutory date is still inspected, but soon
MAX_RECTIFY_DAYS = 365  # a rectification deadline beyond a year is a typing error, not a plan


def latest_inspection_day(cases) -> date:
    """A visit takes place within the statutory period of every case it covers (or soon, for an overdue case)."""
    today = clock.today()
    return max(min(c.statutory_due_date for c in cases), today + timedelta(days=OVERDUE_INSPECTION_DAYS))


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
        policy.can_schedule_inspection(case, by).enforce()
    latest = latest_inspection_day(locked)
    if scheduled_on > latest:
        raise DomainError(_("勘验日期不能晚于 %(d)s（法定办结期限内；已逾期的案件至迟 %(n)s 天内）。"), code="date",
                          params={"d": latest, "n": OVERDUE_INSPECTION_DAYS})
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
        checked = evidence_types.check(uploaded)
        try:
            record = InspectionEvidence.from_upload(checked, by, stored, inspection=inspection)
            record.save()
        finally:
            checked.close()
        rows.append(record)
    return rows


def record_inspection_result(inspection: Inspection, by: User, findings: str, outcome: str, *,
                             rectify_deadline: date | None = None, evidence=(), request=None) -> Inspection:
    """One inspector records the findings and outcome, with photos and videos (type sniffed, size capped, stored
    under generated names), on or after the visit's date. The record awaits the other inspector's co-signature
    (会签, Art. 34: at least two staff on site): nothing happens to the cases until `cosign_inspection`."""
    findings = _required_text(findings, _("请填写勘验情况。"), "findings")
    if outcome not in Inspection.Outcome.values:
        raise DomainError(_("请选择勘验结论。"), code="outcome")
    if outcome == Inspection.Outcome.RECTIFY:
        _check_rectify_deadline(rectify_deadline)
    else:
        rectify_deadline = None
    stored: list = []
    try:
        with transaction.atomic():
            inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
            policy.can_record_result(inspection, by).enforce()
            cases = [_lock(pk) for pk in sorted(inspection.cases.values_list("pk", flat=True))]
            files = _store_evidence(inspection, evidence, by, stored)
            inspection.proposed_outcome, inspection.findings = outcome, findings
            inspection.rectify_deadline = rectify_deadline
            inspection.recorded_by, inspection.recorded_at = by, timezone.now()
            inspection.return_comment = ""
            inspection.save(update_fields=["proposed_outcome", "findings", "rectify_deadline", "recorded_by",
                                           "recorded_at", "return_comment"])
            for case in cases:
                record_audit(by, "inspection_recorded", case, from_state=case.stage, to_state=case.stage,
                             opinion=findings, request=request,
                             data={"inspection": inspection.pk, "result": outcome,
                                   "rectify_deadline": rectify_deadline.isoformat() if rectify_deadline else None,
                                   "evidence": [str(f.public_id) for f in files]})
            for person in inspection.inspectors.all():
                if person.pk != by.pk:
                    _notify_staff(person, _("勘验记录待会签"), _("%(p)s 已记录 %(d)s 在%(w)s的勘验结果（%(o)s），请会签。") % {
                        "p": by, "d": inspection.scheduled_on, "w": inspection.place,
                        "o": Inspection.Outcome(outcome).label}, cases[0] if cases else None,
                        dedupe_key=f"inspection-cosign:{inspection.pk}:{inspection.recorded_at.isoformat()}")
    except BaseException:
        for storage, path in stored:
            storage.delete(path)
        raise
    return inspection


def _check_rectify_deadline(rectify_deadline: date | None) -> None:
    if rectify_deadline is None or rectify_deadline <= clock.today():
        raise DomainError(_("限期整改须指定晚于今天的整改期限。"), code="deadline")
    if rectify_deadline > clock.today() + timedelta(days=MAX_RECTIFY_DAYS):
        raise DomainError(_("整改期限不能超过一年。"), code="deadline")


@transaction.atomic
def cosign_inspection(inspection: Inspection, by: User, *, request=None) -> Inspection:
    """The other inspector confirms the record (会签); only now the result takes effect on every case the visit
    covers. pass: each case moves on (legal review or decision); fail: to the decision (a denial is expected);
    rectify: the cases stay in inspection until the re-inspection."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    policy.can_cosign(inspection, by).enforce()
    outcome, findings, rectify_deadline = inspection.proposed_outcome, inspection.findings, inspection.rectify_deadline
    if outcome == Inspection.Outcome.RECTIFY and (rectify_deadline is None or rectify_deadline <= clock.today()):
        raise DomainError(_("记录中的整改期限（%(d)s）已不晚于今天，请退回记录人重新确定整改期限。"), code="deadline",
                          params={"d": rectify_deadline})
    cases = [_lock(pk) for pk in sorted(inspection.cases.values_list("pk", flat=True))]
    inspection.outcome, inspection.proposed_outcome = outcome, ""
    inspection.cosigned_by, inspection.cosigned_at = by, timezone.now()
    inspection.save(update_fields=["outcome", "proposed_outcome", "cosigned_by", "cosigned_at"])
    evidence = [str(e.public_id) for e in inspection.evidence.all()]
    for case in cases:
        if case.stage != Stage.INSPECTION:
            continue  # withdrawn or terminated meanwhile
        before = case.stage
        if outcome == Inspection.Outcome.PASS:
            _transition(case, "to_decision")
            _hold(case, None)
        elif outcome == Inspection.Outcome.FAIL:
            _transition(case, "to_decision")
            _hold(case, None)
        _save(case, ["stage", "assignee", "claimed_at"])
        record_audit(by, "inspection_result", case, from_state=before, to_state=case.stage, opinion=findings,
                     request=request, data={"inspection": inspection.pk, "result": outcome, "cosigned": True,
                                            "recorded_by": inspection.recorded_by_id, "cosigned_by": by.pk,
                                            "rectify_deadline": rectify_deadline.isoformat()
                                            if rectify_deadline else None,
                                            "evidence": evidence})
    if outcome == Inspection.Outcome.RECTIFY:
        for application in {c.application_id: c.application for c in cases}.values():
            app_services.notify_applicant(application, _("现场勘验：限期整改"), _(
                "请于 %(d)s 前完成整改，届时工作人员将现场复查。整改意见：%(f)s") % {
                "d": rectify_deadline, "f": findings[:100]})
    return inspection


@transaction.atomic
def return_inspection_record(inspection: Inspection, by: User, comment: str, *, request=None) -> Inspection:
    """The other inspector does not confirm the record (退回) and says why; the recorder may record again."""
    comment = _required_text(comment, _("退回须写明意见。"), "comment")
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    policy.can_cosign(inspection, by).enforce()
    cases = [_lock(pk) for pk in sorted(inspection.cases.values_list("pk", flat=True))]
    proposed, recorder = inspection.proposed_outcome, inspection.recorded_by
    inspection.proposed_outcome, inspection.return_comment = "", comment
    inspection.save(update_fields=["proposed_outcome", "return_comment"])
    for case in cases:
        record_audit(by, "inspection_record_returned", case, from_state=case.stage, to_state=case.stage,
                     opinion=comment, request=request,
                     data={"inspection": inspection.pk, "result": proposed, "recorded_by": recorder.pk})
    _notify_staff(recorder, _("勘验记录被退回"), comment[:200], cases[0] if cases else None)
    return inspection


@transaction.atomic
def legal_review(case: ApprovalCase, reviewer: User, approve: bool, comments: str = "", *,
                 proposed_outcome: str = "", version: int | None = None, request=None) -> LegalReview:
    """法制审核 of the certifier's draft decision on a flagged item: pass it (the decision is then signed by its
    drafter and issued: notice, certificate, applicant told) or return it to the certifier with comments,
    possibly proposing the other outcome (e.g. a denial); the draft stays for the certifier to edit."""
    comments = (comments or "").strip()
    if proposed_outcome not in ("", Decision.Outcome.APPROVE, Decision.Outcome.DENY):
        raise DomainError(_("建议的决定无效。"), code="proposed_outcome")
    if approve and proposed_outcome:
        raise DomainError(_("建议改变决定时请选择“退回修改”。"), code="proposed_outcome")
    if not approve and not comments:
        raise DomainError(_("退回须写明审核意见。"), code="comments")
    comments = comments or str(_("经审核，拟作出的许可决定主体合法、事实清楚、依据充分、程序合法。"))
    Application.objects.select_for_update(of=("self",)).filter(pk=case.application_id).values_list("pk").first()
    case = _lock(case, version=version)
    policy.can_legal_review(case, reviewer).enforce()
    draft = DecisionDraft.objects.select_for_update().select_related("drafted_by").get(case=case)
    review = LegalReview.objects.create(case=case, reviewer=reviewer, comments=comments, draft_outcome=draft.outcome,
                                        proposed_outcome="" if approve else proposed_outcome,
                                        outcome=LegalReview.Outcome.APPROVE if approve else LegalReview.Outcome.RETURN)
    before = case.stage
    case.legal_reviewer = reviewer
    if approve:
        _save(case, ["legal_reviewer"])
        record_audit(reviewer, "legal_review", case, from_state=before, to_state=before, opinion=comments,
                     request=request, data={"result": review.outcome, "legal_review": review.pk,
                                            "draft_outcome": draft.outcome})
        decision = Decision(case=case, outcome=draft.outcome, decided_by=draft.drafted_by, opinion=draft.opinion,
                            reasons=draft.reasons,
                            **{k: getattr(draft, k) for k in CERTIFICATE_FIELDS})
        _issue_decision(case, decision, draft.drafted_by, request=request)
        return review
    _transition(case, "to_decision")
    drafter = draft.drafted_by if draft.drafted_by.is_active else None
    _hold(case, drafter)
    _save(case, ["stage", "legal_reviewer", "assignee", "claimed_at"])
    record_audit(reviewer, "legal_review_return", case, from_state=before, to_state=case.stage, opinion=comments,
                 request=request, data={"result": review.outcome, "legal_review": review.pk,
                                        "draft_outcome": draft.outcome, "proposed_outcome": proposed_outcome})
    _notify_staff(drafter, _("法制审核退回决定草稿"), comments[:200], case)
    return review


SEND_BACK = {Stage.REVIEW: "back_to_review", Stage.INSPECTION: "back_to_inspection",
             Stage.LEGAL_REVIEW: "back_to_legal_review"}


@transaction.atomic
def send_back(case: ApprovalCase, officer: User, to_stage: str, reason: str, *, version: int | None = None,
              request=None) -> ApprovalCase:
    """退回 from a later stage to an earlier one, with a reason. Back to review returns the case to its reviewer;
    to inspection or legal review it waits in that queue."""
    reason = _required_text(reason, _("退回须写明理由。"), "reason")
    case = _lock(case, version=version)
    policy.can_send_back(case, officer).enforce()
    order = [Stage.REVIEW, Stage.INSPECTION, Stage.LEGAL_REVIEW, Stage.DECISION]
    if to_stage not in SEND_BACK or case.stage not in order or order.index(to_stage) >= order.index(case.stage):
        raise DomainError(_("只能退回到之前的环节。"), code="send_back_target")
    if to_stage == Stage.INSPECTION and not (case.needs_inspection or case.inspections.exists()):
        raise DomainError(_("该案件无需现场勘验，不能退回勘验环节。"), code="send_back_target")
    if to_stage == Stage.LEGAL_REVIEW:
        raise DomainError(_("法制审核审的是决定草稿：请拟定决定后提交法制审核。"), code="send_back_target")
    before = case.stage
    _transition(case, SEND_BACK[to_stage])
    back_to = case.reviewer if to_stage == Stage.REVIEW and case.reviewer and case.reviewer.is_active else None
    _hold(case, back_to)
    _save(case, ["stage", "assignee", "claimed_at"])
    record_audit(officer, "case_send_back", case, from_state=before, to_state=case.stage, opinion=reason,
                 request=request, data={"result": "return"})
    _notify_staff(back_to, _("案件被退回"), reason[:200], case)
    return case


def _all_decided(application_id: int) -> bool:
    stages = list(ApprovalCase.objects.filter(application_id=application_id).values_list("stage", flat=True))
    return bool(stages) and all(s in CLOSED_STAGES for s in stages) and any(s in DECIDED_STAGES for s in stages)


CERTIFICATE_FIELDS = ("certificate_name", "holder_name", "holder_id_type", "holder_id_number", "scope", "valid_from",
                      "valid_until")


def _decision_values(case: ApprovalCase, approve: bool, certificate: dict | None, reasons: str, opinion: str) -> dict:
    """The checked content of a decision (or of its draft): outcome, opinion, certificate data or reasons."""
    if approve:
        values = {**certificate_defaults(case), **{k: v for k, v in (certificate or {}).items() if v not in (None, "")}}
        if not (values.get("holder_name") or "").strip():
            raise DomainError(_("请填写持证主体。"), code="holder")
        values["holder_id_number"] = normalise_identifier(values.get("holder_id_number") or "")
        if values["holder_id_number"]:
            error = (citizen_id_error if values.get("holder_id_type") == "111" else credit_code_error)(
                values["holder_id_number"])
            if error:
                raise DomainError(error, code="holder_id")
        if values.get("valid_until") and values["valid_until"] < values["valid_from"]:
            raise DomainError(_("证照有效期截止日不能早于起始日。"), code="validity")
        return {"outcome": Decision.Outcome.APPROVE, "opinion": opinion, "reasons": "",
                **{k: values.get(k) if k in ("valid_from", "valid_until") else (values.get(k) or "")
                   for k in CERTIFICATE_FIELDS}}
    reasons = _required_text(reasons, _("不予许可须说明理由。"), "reasons")
    return {"outcome": Decision.Outcome.DENY, "opinion": opinion, "reasons": reasons,
            **{k: None if k in ("valid_from", "valid_until") else "" for k in CERTIFICATE_FIELDS}}


def _issue_decision(case: ApprovalCase, decision: Decision, signer: User, *, request=None) -> Decision:
    """Sign and issue a decision (both paths: decide() directly, or legal review passing the draft): the case
    closes, the notice is issued, the certificate and the case.decided event follow, and when every case of the
    application is decided the application moves to the issuing window. The case is locked by the caller."""
    if case.suspended_since is not None:
        raise DomainError(_("案件处于期限中止（%(d)s 起），请先恢复计时再作出决定。"), code="suspended",
                          params={"d": case.suspended_since})
    now = timezone.now()
    approve = decision.outcome == Decision.Outcome.APPROVE
    decision.decided_by, decision.decided_at = signer, now
    if approve:
        method, kind = "approve", Notice.Kind.APPROVAL
    else:
        decision.appeal_rights = appeal_rights_text()
        method, kind = "deny", Notice.Kind.DENIAL
    before = case.stage
    _transition(case, method)
    case.decided_at = case.closed_at = now
    case.decided_by = signer
    disarm(case)
    _save(case, ["stage", "decided_at", "decided_by", "closed_at", "assignee", "claimed_at", *TIMER_FIELDS])
    decision.notice = issue_notice(case.application, kind, signer, {
        "case": case, "decision": decision, "version": case.item_version, "opinion": decision.opinion,
        "decided_on": timezone.localdate(now)}, request=request)
    decision.save()
    record_audit(signer, "case_approve" if approve else "case_deny", case, from_state=before, to_state=case.stage,
                 opinion=decision.opinion or decision.reasons, request=request,
                 data={"result": decision.outcome, "decision": decision.pk, "notice": decision.notice.number})
    if not (approve and certificates.issues_certificate(case)):  # else when its certificate is issued
        events.case_decided(case, decision)
    certificates.issue_due(case.application, signer, request=request)
    if _all_decided(case.application_id):
        application = Application.objects.get(pk=case.application_id)
        app_services.record_decision(application, signer, action="all_cases_decided", request=request,
                                     opinion=_("全部审批事项已作出决定，转统一出件窗口。"))
    return decision


@transaction.atomic
def decide(case: ApprovalCase, officer: User, approve: bool, *, certificate: dict | None = None, reasons: str = "",
           opinion: str = "", version: int | None = None, request=None) -> Decision | DecisionDraft:
    """决定 (出证): approve with the certificate's data, or deny with reasons (the appeal rights are written in).
    The certifier is none of the clerk, reviewer and inspectors. When every case of the application is decided,
    the application moves to the issuing window and the applicant is told.

    Items flagged for legal review (重大行政许可决定法制审核): this writes (or rewrites, after a return) the
    DecisionDraft and sends the case to legal review, which passes it (the decision is issued then, see
    legal_review) or returns it; nothing is issued here, and the draft is returned instead of a Decision."""
    Application.objects.select_for_update(of=("self",)).filter(pk=case.application_id).values_list("pk").first()
    case = _lock(case, version=version)
    policy.can_decide(case, officer).enforce()
    if case.suspended_since is not None:
        raise DomainError(_("案件处于期限中止（%(d)s 起），请先恢复计时再作出决定。"), code="suspended",
                          params={"d": case.suspended_since})
    values = _decision_values(case, approve, certificate, reasons, (opinion or "").strip())
    if case.needs_legal_review:
        draft, _created = DecisionDraft.objects.update_or_create(
            case=case, defaults={**values, "drafted_by": officer, "drafted_at": timezone.now()})
        before = case.stage
        _transition(case, "back_to_legal_review")
        _hold(case, None)
        _save(case, ["stage", "assignee", "claimed_at"])
        record_audit(officer, "decision_draft", case, from_state=before, to_state=case.stage,
                     opinion=values["opinion"] or values["reasons"], request=request,
                     data={"result": draft.outcome, "draft": draft.pk})
        return draft
    return _issue_decision(case, Decision(case=case, **values), officer, request=request)


@transaction.atomic
def terminate(case: ApprovalCase, officer: User, reason: str, *, version: int | None = None,
              request=None) -> ApprovalCase:
    """终止办理, by the section's head or a bureau leader, with a reason; the applicant is told."""
    reason = _required_text(reason, _("终止办理须写明理由。"), "reason")
    case = _lock(case, version=version)
    policy.can_terminate(case, officer).enforce()
    before = case.stage
    _transition(case, "terminate")
    case.closed_at = timezone.now()
    disarm(case)
    _save(case, ["stage", "closed_at", "assignee", "claimed_at", *TIMER_FIELDS])
    record_audit(officer, "case_terminate", case, from_state=before, to_state=case.stage, opinion=reason,
                 request=request)
    app_services.notify_applicant(case.application, _("审批事项终止办理"), reason[:120])
    if _all_decided(case.application_id):
        application = Application.objects.select_for_update().get(pk=case.application_id)
        if application.status == Status.ACCEPTED:
            app_services.record_decision(application, officer, action="all_cases_decided", request=request,
                                         opinion=_("全部审批事项已办结，转统一出件窗口。"))
        certificates.issue_due(application, officer, request=request)  # a joint bundle's waiting certificates
    return case


@transaction.atomic
def request_extension(case: ApprovalCase, officer: User, reason: str, *, request=None) -> ExtensionRequest:
    """Ask to extend the limit: +10 working days (Art. 42), +15 for a case of a jointly handled bundle (Art. 26);
    once per case, before the statutory date; the section head (or a leader) decides."""
    reason = _required_text(reason, _("请写明延期理由。"), "reason")
    case = _lock(case.pk)  # a side action: no stale-version check
    policy.can_request_extension(case, officer).enforce()
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
    policy.can_decide_extension(extension, case, approver).enforce()
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise DomainError(_("不予批准须写明意见。"), code="opinion")
    extension.decided_by, extension.decided_at, extension.opinion = approver, timezone.now(), opinion
    if approve:
        policy.is_open(case).enforce()
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
    policy.can_suspend(case, officer).enforce()
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
    policy.can_resume(case, officer).enforce()
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
def sweep_overdue_rectifications(today: date | None = None) -> int:
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
