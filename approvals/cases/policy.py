"""Who may see which approval case, and who may do what on it now: the one place both answers live.

`visible_cases(user)` is the queryset every page, API and download of the staged workflow filters by (a case one
may not see answers 404). The `can_*` functions return a Verdict: truthy when allowed, else the Chinese reason
and the kind of refusal (PermissionDenied: not your role or section, 403; DomainError: a rule such as the
four-way separation, 400; Conflict: someone else holds or moved the case, 409). The services call
`.enforce()` on the locked row; the case page and the API read the same verdicts to show the actions, so the two
cannot disagree.
"""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from approvals.cases.models import (
    CLOSED_STAGES,
    QUEUE_STAGES,
    ApprovalCase,
    DecisionDraft,
    ExtensionRequest,
    Inspection,
    LegalReview,
    Stage,
)
from portal.policy import ALLOWED, Verdict, first_refusal
from portal.policy import conflict as _conflict
from portal.policy import forbidden as _forbidden
from portal.policy import rule as _rule
from portal.models import User
from portal.roles import Role

MIN_INSPECTORS = 2  # Art. 34
# Everyone who works on the approval side; leaders and administrators see every case.
WORKERS = (Role.APPROVAL_OFFICER, Role.SECTION_HEAD, Role.LEGAL_REVIEWER, Role.BUREAU_LEADER, Role.ADMINISTRATOR)
SEES_ALL = (Role.BUREAU_LEADER, Role.ADMINISTRATOR)
QUEUES = list(QUEUE_STAGES)  # "review", "inspection", "legal_review", "decision"
# The part a person plays in each queue (for the four-way separation).
SEPARATION_ROLE = {"review": "reviewer", "inspection": "inspector", "legal_review": "legal", "decision": "certifier"}
SEND_BACK_ORDER = [Stage.REVIEW, Stage.INSPECTION, Stage.LEGAL_REVIEW, Stage.DECISION]


# --- who the person is ----------------------------------------------------------------------------------------


def section_ids(user: User) -> set[int]:
    """The sections a person works in (member or head), cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_approval_section_ids", None)
    if cached is None:
        from catalog.models import Section

        cached = set(Section.objects.filter(Q(members=user) | Q(head=user)).values_list("id", flat=True))
        user._approval_section_ids = cached
    return cached


def is_worker(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*WORKERS))


def sees_all(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*SEES_ALL))


def is_head_or_leader(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.SECTION_HEAD, *SEES_ALL))


def role_for_queue(queue: str) -> str:
    return Role.LEGAL_REVIEWER if queue == "legal_review" else Role.APPROVAL_OFFICER


def default_queue(user: User) -> str:
    if user.has_role(Role.LEGAL_REVIEWER) and not user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD, *SEES_ALL):
        return "legal_review"
    return "review"


def may_view_queue(user: User, queue: str) -> bool:
    """Legal reviewers look at the legal-review queue; officers, heads, leaders and administrators at every one."""
    if user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD, *SEES_ALL):
        return True
    return queue == "legal_review" and user.has_role(Role.LEGAL_REVIEWER)


def may_take_from(user: User, queue: str) -> Verdict:
    if queue not in QUEUE_STAGES:
        return _rule(_("未知的办理环节：%(s)s") % {"s": queue}, "stage")
    if not user.has_role(role_for_queue(queue)):
        return _forbidden(_("您没有办理该环节的权限。"))
    return ALLOWED


# --- who may see which case -----------------------------------------------------------------------------------


def visible_cases(user: User) -> QuerySet[ApprovalCase]:
    """Cases a person may see: leaders and administrators all; officers and heads their sections'; legal
    reviewers the cases that reached legal review; inspectors the ones on their visits. Anything else: 404."""
    cases = ApprovalCase.objects.all()
    if not (user and user.is_authenticated and user.is_back_office):
        return cases.none()
    if user.has_role(*SEES_ALL):
        return cases
    rule = Q(pk__in=[])
    if user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD):
        rule |= Q(section_id__in=section_ids(user))
    if user.has_role(Role.LEGAL_REVIEWER):
        reviewed = LegalReview.objects.filter(case_id=OuterRef("pk"))
        rule |= Q(stage=Stage.LEGAL_REVIEW) | Q(Exists(reviewed))
    on_visit = Inspection.inspectors.through.objects.filter(user_id=user.pk).values("inspection_id")
    rule |= Q(pk__in=Inspection.cases.through.objects.filter(inspection_id__in=on_visit).values("approvalcase_id"))
    return cases.filter(rule)


# --- what a person may do on a case now ---------------------------------------------------------------------


def inspector_ids(case: ApprovalCase) -> set[int]:
    """Everyone who inspects or inspected the case (one query, kept on the case object for the request)."""
    cached = getattr(case, "_inspector_ids", None)
    if cached is None:
        cached = set(Inspection.inspectors.through.objects.filter(inspection__cases=case)
                     .values_list("user_id", flat=True))
        case._inspector_ids = cached
    return cached


def drafter_id(case: ApprovalCase) -> int | None:
    """Who drafted the decision of a flagged item (None: no draft), kept on the case object for the request."""
    if not case.needs_legal_review:
        return None
    if not hasattr(case, "_drafter_id"):
        case._drafter_id = (DecisionDraft.objects.filter(case_id=case.pk).values_list("drafted_by_id", flat=True)
                            .first())
    return case._drafter_id


SEPARATION_ROLES = {"reviewer": _("审查人"), "inspector": _("勘验人员"), "legal": _("法制审核人"),
                    "certifier": _("决定（出证）人")}


def separation_conflict(case: ApprovalCase, user: User, role: str) -> str:
    """Why `user` may not take `role` on `case` (受理、审查、勘验、出证四分离), or "" when they may."""
    reasons = []
    if case.accepted_by_id == user.pk:
        reasons.append(_("受理人"))
    if role != "reviewer" and case.reviewer_id == user.pk:
        reasons.append(_("审查人"))
    if role != "inspector" and user.pk in inspector_ids(case):
        reasons.append(_("勘验人员"))
    if role != "certifier" and user.pk in (case.decided_by_id, drafter_id(case)):
        reasons.append(_("决定人"))
    if role != "legal" and case.legal_reviewer_id == user.pk:
        reasons.append(_("法制审核人"))
    if not reasons:
        return ""
    return _("受理、审查、勘验、出证须由不同人员承担（四分离）：您是该案件的%(was)s，不能再担任%(role)s。") % {
        "was": "、".join(str(r) for r in reasons), "role": SEPARATION_ROLES[role]}


def separated(case: ApprovalCase, user: User, role: str) -> Verdict:
    message = separation_conflict(case, user, role)
    return _rule(message, "separation") if message else ALLOWED


def is_open(case: ApprovalCase) -> Verdict:
    if case.stage in CLOSED_STAGES:
        return _rule(_("案件已%(stage)s，不能再办理。") % {"stage": case.get_stage_display()}, "closed")
    return ALLOWED


def at_stage(case: ApprovalCase, *stages: str) -> Verdict:
    if case.stage not in stages:
        return _conflict(_("案件当前处于“%(stage)s”环节，不能执行此操作；请刷新页面。") % {
            "stage": case.get_stage_display()}, "wrong_stage")
    return ALLOWED


def works_on(case: ApprovalCase, user: User, queue: str | None) -> Verdict:
    """The person may work this case's stage: the role of the stage and, for officers, the case's section."""
    if queue is None:
        return is_open(case)
    role = role_for_queue(queue)
    if not (user and user.is_authenticated and user.has_role(role)):
        return _forbidden(_("您没有办理“%(stage)s”环节的权限（需要%(role)s角色）。") % {
            "stage": Stage(QUEUE_STAGES[queue][-1]).label, "role": Role(role).label})
    if role == Role.APPROVAL_OFFICER and case.section_id not in section_ids(user):
        return _forbidden(_("该案件属于%(section)s，您只能办理本科室的案件。") % {"section": case.section})
    if role == Role.LEGAL_REVIEWER and not case.needs_legal_review:
        return _forbidden(_("该事项不属于需法制审核的重大行政许可事项。"))
    return ALLOWED


def free_or_held_by(case: ApprovalCase, user: User) -> Verdict:
    """Nobody holds the case (the actor takes it now), or the actor holds it."""
    if case.assignee_id is not None and case.assignee_id != user.pk:
        return _conflict(_("该案件正由 %(who)s 办理，请勿重复处理。") % {
            "who": User.objects.filter(pk=case.assignee_id).first()}, "held")
    return ALLOWED


def heads_or_leads(case: ApprovalCase, user: User) -> Verdict:
    if user.has_role(Role.BUREAU_LEADER):
        return ALLOWED
    if user.has_role(Role.SECTION_HEAD) and case.section.head_id == user.pk:
        return ALLOWED
    return _forbidden(_("只有%(section)s负责人或局领导可以审批。") % {"section": case.section})


def in_section(case: ApprovalCase, user: User) -> Verdict:
    if user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD) and case.section_id in section_ids(user):
        return ALLOWED
    return _forbidden(_("该案件属于%(section)s，您只能办理本科室的案件。") % {"section": case.section})


def _stage_work(case, user, queue: str, *stages: str) -> Verdict:
    return first_refusal(lambda: is_open(case), lambda: at_stage(case, *stages), lambda: works_on(case, user, queue),
                         lambda: free_or_held_by(case, user),
                         lambda: separated(case, user, SEPARATION_ROLE[queue]))


def can_claim(case: ApprovalCase, user: User) -> Verdict:
    queue = case.queue_name
    return first_refusal(
        lambda: is_open(case), lambda: works_on(case, user, queue),
        lambda: ALLOWED if case.assignee_id == user.pk else first_refusal(
            lambda: free_or_held_by(case, user), lambda: separated(case, user, SEPARATION_ROLE[queue])),
    )


def can_release(case: ApprovalCase, user: User) -> Verdict:
    def holder_or_head():
        if case.assignee_id is not None and (case.assignee_id == user.pk or case.section.head_id == user.pk):
            return ALLOWED
        return _rule(_("您没有认领该案件。"), "not_claimed")

    return first_refusal(lambda: is_open(case), holder_or_head)


def can_review(case: ApprovalCase, user: User) -> Verdict:
    return _stage_work(case, user, "review", Stage.RECEIVED, Stage.REVIEW)


def can_schedule_inspection(case: ApprovalCase, user: User) -> Verdict:
    """Plan a visit for the case (the visit's own checks, such as a pending visit, are the service's)."""
    return first_refusal(lambda: is_open(case), lambda: at_stage(case, Stage.INSPECTION),
                         lambda: works_on(case, user, "inspection"), lambda: free_or_held_by(case, user))


def _is_inspector(inspection: Inspection, user: User) -> bool:
    return any(person.pk == user.pk for person in inspection.inspectors.all())


def can_record_result(inspection: Inspection, user: User, *, today=None) -> Verdict:
    """One of the visit's inspectors, on or after the visit's date; the record then awaits the co-signature."""
    from portal import clock

    if not _is_inspector(inspection, user):
        return _forbidden(_("只有本次勘验的勘验人员可以记录勘验结果。"))
    if inspection.outcome:
        return _conflict(_("该次勘验已记录结果（%(o)s）。") % {"o": inspection.get_outcome_display()}, "recorded")
    if inspection.proposed_outcome:
        return _conflict(_("该次勘验已由%(p)s记录结果（%(o)s），正等待另一名勘验人员会签。") % {
            "p": inspection.recorded_by, "o": inspection.get_proposed_outcome_label()}, "awaiting_cosign")
    if (today or clock.today()) < inspection.scheduled_on:
        return _rule(_("勘验日期为 %(d)s，须到现场勘验后（%(d)s 起）方可记录结果。") % {
            "d": inspection.scheduled_on.isoformat()}, "too_early")
    return ALLOWED


def can_cosign(inspection: Inspection, user: User) -> Verdict:
    """The other inspector confirms (会签) or returns (退回) the record: never the one who recorded it."""
    if not _is_inspector(inspection, user):
        return _forbidden(_("只有本次勘验的勘验人员可以会签勘验记录。"))
    if inspection.outcome:
        return _conflict(_("该次勘验已记录结果（%(o)s）。") % {"o": inspection.get_outcome_display()}, "recorded")
    if not inspection.proposed_outcome:
        return _conflict(_("该次勘验没有等待会签的记录。"), "nothing_to_cosign")
    if inspection.recorded_by_id == user.pk:
        return _rule(_("勘验记录须由另一名勘验人员会签，记录人本人不能会签或退回。"), "separation")
    return ALLOWED


def can_legal_review(case: ApprovalCase, user: User) -> Verdict:
    """Review the certifier's draft decision (only a case with a draft reaches legal review)."""
    def drafted():
        if drafter_id(case) is None:
            return _conflict(_("决定人尚未拟定决定草稿，暂不能法制审核。"), "no_draft")
        return ALLOWED

    return first_refusal(lambda: _stage_work(case, user, "legal_review", Stage.LEGAL_REVIEW), drafted)


def can_decide(case: ApprovalCase, user: User) -> Verdict:
    def clock_running():
        if case.suspended_since is not None:
            return _rule(_("案件处于期限中止（%(d)s 起），请先恢复计时再作出决定。") % {"d": case.suspended_since},
                         "suspended")
        return ALLOWED

    # Flagged items: deciding writes the draft that legal review then passes or returns (services.decide).
    return first_refusal(lambda: _stage_work(case, user, "decision", Stage.DECISION), clock_running)


def send_back_targets(case: ApprovalCase, *, inspected: bool | None = None) -> list[str]:
    """The earlier stages a case may be sent back to from where it is."""
    if case.stage not in SEND_BACK_ORDER[1:]:
        return []
    earlier = SEND_BACK_ORDER[:SEND_BACK_ORDER.index(case.stage)]
    if inspected is None:
        inspected = case.inspections.exists()
    targets = [Stage.REVIEW.value]
    if Stage.INSPECTION in earlier and (case.needs_inspection or inspected):
        targets.append(Stage.INSPECTION.value)
    # Not back to legal review: it reviews a draft decision, which the certifier submits by drafting (decide).
    return targets


def can_send_back(case: ApprovalCase, user: User) -> Verdict:
    return first_refusal(lambda: is_open(case), lambda: works_on(case, user, case.queue_name),
                         lambda: free_or_held_by(case, user))


def can_terminate(case: ApprovalCase, user: User) -> Verdict:
    return first_refusal(lambda: is_open(case), lambda: heads_or_leads(case, user))


def can_request_extension(case: ApprovalCase, user: User, *, today=None) -> Verdict:
    """Once per case (Art. 42), one request at a time, before the statutory date; by the section's staff."""
    from portal import clock

    def rules():
        statuses = {e.status for e in case.extensions.all()}
        if ExtensionRequest.Status.APPROVED in statuses:
            return _rule(_("审批期限只能延长一次（《中华人民共和国行政许可法》第四十二条）。"), "once")
        if ExtensionRequest.Status.PENDING in statuses:
            return _rule(_("已有待审批的延期申请。"), "pending")
        if (today or clock.today()) > case.statutory_due_date:
            return _rule(_("已超过法定办结期限，不能再申请延期。"), "too_late")
        return ALLOWED

    return first_refusal(lambda: is_open(case), lambda: in_section(case, user), rules)


def can_decide_extension(extension: ExtensionRequest, case: ApprovalCase, user: User) -> Verdict:
    def pending():
        if extension.status != ExtensionRequest.Status.PENDING:
            return _conflict(_("该延期申请已处理（%(s)s）。") % {"s": extension.get_status_display()}, "decided")
        return ALLOWED

    def not_own():
        if user.pk == extension.requested_by_id:
            return _rule(_("延期申请不能由申请人本人审批。"), "separation")
        return ALLOWED

    return first_refusal(lambda: heads_or_leads(case, user), pending, not_own)


def can_suspend(case: ApprovalCase, user: User) -> Verdict:
    def running():
        if case.suspended_since is not None:
            return _rule(_("案件已处于期限中止状态（%(d)s 起）。") % {"d": case.suspended_since}, "suspended")
        return ALLOWED

    return first_refusal(lambda: is_open(case), lambda: in_section(case, user), running)


def can_resume(case: ApprovalCase, user: User) -> Verdict:
    def suspended():
        if case.suspended_since is None:
            return _rule(_("案件没有处于期限中止状态。"), "not_suspended")
        return ALLOWED

    return first_refusal(lambda: is_open(case), lambda: in_section(case, user), suspended)


class Abilities:
    """What the person may do on the case now, for the case page and the API: the verdicts above, read from the
    case as the page loaded it (prefetched visits, reviews and extensions)."""

    def __init__(self, case: ApprovalCase, user: User, inspections: list[Inspection] | None = None):
        self.inspections = list(case.inspections.all()) if inspections is None else inspections
        self.queue = case.queue_name if case.is_open else None
        self.held_by_me = case.assignee_id == user.pk
        self.worker = bool(self.queue) and bool(works_on(case, user, self.queue))
        self.separation = ""
        if self.worker and self.queue != "inspection":
            self.separation = separation_conflict(case, user, SEPARATION_ROLE[self.queue])
        reinspected = {i.reinspection_of_id for i in self.inspections if i.reinspection_of_id}
        self.pending = next((i for i in self.inspections if not i.outcome), None)
        self.to_reinspect = next((i for i in reversed(self.inspections)
                                  if i.outcome == Inspection.Outcome.RECTIFY and i.pk not in reinspected), None)
        self.inspector_here = self.pending is not None and any(p.pk == user.pk for p in self.pending.inspectors.all())
        self.claim = case.assignee_id is None and bool(can_claim(case, user))
        self.release = case.is_open and bool(can_release(case, user))
        self.review = self.queue == "review" and bool(can_review(case, user))
        schedulable = case.stage == Stage.INSPECTION and self.pending is None and bool(
            can_schedule_inspection(case, user))
        self.schedule = schedulable and self.to_reinspect is None
        self.reinspect = schedulable and self.to_reinspect is not None
        self.record = (case.stage == Stage.INSPECTION and self.pending is not None
                       and bool(can_record_result(self.pending, user)))
        self.cosign = (case.stage == Stage.INSPECTION and self.pending is not None
                       and bool(can_cosign(self.pending, user)))
        # Why an inspector of the pending visit cannot record now (e.g. before the visit's date), for the page.
        self.record_refusal = ""
        if self.inspector_here and not self.record and not self.cosign and case.stage == Stage.INSPECTION:
            self.record_refusal = can_record_result(self.pending, user).reason
        self.legal_review = self.queue == "legal_review" and bool(can_legal_review(case, user))
        self.decide = self.queue == "decision" and bool(can_decide(case, user))
        acting = self.worker and not self.separation and bool(can_send_back(case, user))
        self.send_back_targets = send_back_targets(case, inspected=bool(self.inspections)) if acting else []
        self.extension_open = any(e.status in (ExtensionRequest.Status.PENDING, ExtensionRequest.Status.APPROVED)
                                  for e in case.extensions.all())
        self.request_extension = bool(can_request_extension(case, user))
        self.suspend = bool(can_suspend(case, user))
        self.resume = bool(can_resume(case, user))
        self.terminate = bool(can_terminate(case, user))
