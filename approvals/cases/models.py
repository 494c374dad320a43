"""The staged workflow's data: one approval case per accepted item and what happens to it (site visits and
their evidence, legal reviews, the decision, extensions, suspensions).

The case carries its clock (due dates, suspension, extension) and its timers (the days its colour changes);
stages an item does not need are skipped by the target a service picks, never by empty steps.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from portal.models import StoredFile

class Stage(models.TextChoices):
    RECEIVED = "received", _("已受理，待审查")
    REVIEW = "review", _("审查")
    INSPECTION = "inspection", _("现场勘验")
    LEGAL_REVIEW = "legal_review", _("法制审核")
    DECISION = "decision", _("决定")
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")
    WITHDRAWN = "withdrawn", _("申请人撤回")
    TERMINATED = "terminated", _("终止办理")


CLOSED_STAGES = [Stage.APPROVED, Stage.DENIED, Stage.WITHDRAWN, Stage.TERMINATED]


OPEN_STAGES = [Stage.RECEIVED, Stage.REVIEW, Stage.INSPECTION, Stage.LEGAL_REVIEW, Stage.DECISION]


DECIDED_STAGES = [Stage.APPROVED, Stage.DENIED]


QUEUE_STAGES = {
    "review": [Stage.RECEIVED, Stage.REVIEW],
    "inspection": [Stage.INSPECTION],
    "legal_review": [Stage.LEGAL_REVIEW],
    "decision": [Stage.DECISION],
}


class Colour(models.IntegerChoices):
    """Warning colour on the promised date; the value is the queue order (most urgent first)."""

    RED = 0, _("红色预警（已超承诺时限）")
    YELLOW = 1, _("黄色预警（临近承诺时限）")
    GREEN = 2, _("正常")


COLOUR_NAMES = {0: "red", 1: "yellow", 2: "green"}  # the CSS classes and the API's words


def colour_of(yellow_from, red_from, day) -> Colour:
    """The warning colour on `day` from a case's timer days (NULL: disarmed, closed or suspended: green).
    The one rule, with colour_sql below its SQL twin: every page, API, panel and the overview read one of them."""
    if red_from is not None and red_from <= day:
        return Colour.RED
    if yellow_from is not None and yellow_from <= day:
        return Colour.YELLOW
    return Colour.GREEN


def colour_sql(day) -> Case:
    """colour_of in SQL, for annotations, filters and counts: red from `red_from`, yellow from `yellow_from`."""
    return Case(When(red_from__lte=day, then=Value(Colour.RED.value)),
                When(yellow_from__lte=day, then=Value(Colour.YELLOW.value)),
                default=Value(Colour.GREEN.value), output_field=models.PositiveSmallIntegerField())


def colour_q(colour: int, day) -> Q:
    """The cases of one colour on `day` (a filter the indexes on the timer days serve)."""
    if colour == Colour.RED:
        return Q(red_from__lte=day)
    if colour == Colour.YELLOW:
        return Q(yellow_from__lte=day, red_from__gt=day)
    return Q(yellow_from__isnull=True) | Q(yellow_from__gt=day)


def alarm_q(day) -> Q:
    return Q(statutory_alarm_from__lte=day)


def warned_q(day) -> Q:
    """Yellow, red or in statutory alarm on `day` (red_from lies after yellow_from: yellow covers red)."""
    return Q(yellow_from__lte=day) | Q(statutory_alarm_from__lte=day)


class ApprovalCase(ConcurrentTransitionMixin, models.Model):
    """One item of one accepted application on its way to a decision (a bundle opens one per item at once).

    Due dates are computed at acceptance by portal.clock from the acceptance date and the item version's
    limits, or the bundle's joint limit (Art. 26) when the bundle is handled jointly (in parallel).
    """

    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), on_delete=models.PROTECT,
                                    related_name="approval_cases")
    # No index of their own on the user and item links below: nothing looks cases up by them, and every index is
    # written again whenever a case changes (the timer sweep changes thousands a day: bench/approvals_bench.py).
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    item_version = models.ForeignKey("catalog.ItemVersion", verbose_name=_("事项版本"), on_delete=models.PROTECT,
                                     related_name="+")
    section = models.ForeignKey("catalog.Section", verbose_name=_("承办科室"), on_delete=models.PROTECT,
                                related_name="approval_cases")
    stage = FSMField(_("环节"), default=Stage.RECEIVED, choices=Stage.choices, protected=True)
    accepted_at = models.DateTimeField(_("受理时间"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False,
                                    help_text=_("为空表示逾期视为受理（系统）"))
    statutory_due_date = models.DateField(_("法定办结期限"))
    promised_due_date = models.DateField(_("承诺办结期限"))
    by_commitment = models.BooleanField(_("告知承诺制"), default=False)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    # Who holds the case in its current stage (None: waiting in the stage's queue).
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("当前承办人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="held_cases")
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    # Who did what (four-way separation: accepted_by, reviewer, the inspectors, decided_by all differ).
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审查人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", db_index=False)
    reviewed_at = models.DateTimeField(_("审查完成时间"), null=True, blank=True)
    review_opinion = models.TextField(_("审查意见"), blank=True)
    inspection_requested = models.BooleanField(_("审查人要求现场勘验"), default=False)
    legal_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("法制审核人"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Bumped by every service write: a caller acting on what it saw gets a Conflict if the row moved on.
    version = models.PositiveIntegerField(_("版本"), default=0)

    # The clock: an open suspension stops it (timers disarmed) until resumed; the due dates are recomputed
    # from acceptance whenever a suspension or an extension changes.
    suspended_since = models.DateField(_("中止计时起始日"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("已延长工作日"), default=0)
    # Timers: the days the colour changes, set while the case is open and its clock runs (NULL otherwise).
    # The colour and the statutory alarm are derived from them when read (colour_sql / the `colour` property:
    # one rule), so nothing writes the case when a day passes; the sweep only sends the day's warnings, found
    # through partial indexes on these three dates.
    yellow_from = models.DateField(_("黄色预警起始日"), null=True, blank=True)
    red_from = models.DateField(_("红色预警起始日"), null=True, blank=True)
    statutory_alarm_from = models.DateField(_("法定时限告警起始日"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批案件")
        verbose_name_plural = _("审批案件")
        ordering = ["promised_due_date", "id"]
        permissions = [("decide_instant", _("可当场办结即办件和告知承诺件"))]
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="approvalcase_one_per_item"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="approvalcase_stage_valid"),
            models.CheckConstraint(condition=Q(promised_due_date__lte=F("statutory_due_date")),
                                   name="approvalcase_promised_within_statutory"),
            models.CheckConstraint(
                condition=~Q(stage__in=["approved", "denied"]) | Q(decided_at__isnull=False),
                name="approvalcase_decided_has_time",
            ),
            models.CheckConstraint(condition=Q(claimed_at__isnull=False) | Q(assignee__isnull=True),
                                   name="approvalcase_assignee_has_claim_time"),
            # Closed cases hold nobody and run no timers.
            models.CheckConstraint(
                condition=~Q(stage__in=["approved", "denied", "withdrawn", "terminated"])
                | Q(assignee__isnull=True, yellow_from__isnull=True, red_from__isnull=True,
                    statutory_alarm_from__isnull=True),
                name="approvalcase_closed_is_idle",
            ),
        ]
        indexes = [
            # Queues and deadline sweeps read open cases only; they stay a small part of a growing table.
            models.Index(fields=["section", "promised_due_date"], condition=~Q(stage__in=CLOSED_STAGES),
                         name="approvalcase_open_idx"),
            # The dashboards' warning counts (approvals/oversight/selectors.warning_counts): the open cases' timer
            # days read from the index alone.
            models.Index(fields=["section"], include=["red_from", "yellow_from", "statutory_alarm_from",
                                                      "statutory_due_date", "suspended_since", "assignee", "item"],
                         condition=~Q(stage__in=CLOSED_STAGES), name="approvalcase_open_timer_cover"),
            # A stage queue in urgency order (the promised date: red, then yellow, then the rest), and take-next
            # (the same order among unassigned cases).
            models.Index(fields=["section", "stage", "promised_due_date", "id"],
                         condition=~Q(stage__in=CLOSED_STAGES), name="approvalcase_stage_queue_idx"),
            models.Index(fields=["section", "stage", "promised_due_date", "id"],
                         condition=Q(assignee__isnull=True) & ~Q(stage__in=CLOSED_STAGES),
                         name="approvalcase_stage_waiting_idx"),
            models.Index(fields=["assignee", "promised_due_date"], condition=Q(assignee__isnull=False),
                         name="approvalcase_holder_idx"),
            # The legal-review queue is the bureau's, not a section's: urgency order over that stage alone.
            models.Index(fields=["promised_due_date", "id"], condition=Q(stage="legal_review"),
                         name="approvalcase_legal_due_idx"),
            # The sweep (the day's thresholds: its cost follows the warnings sent) and the warnings overview
            # (everything yellow, red or in statutory alarm): armed timers only.
            models.Index(fields=["yellow_from"], condition=Q(yellow_from__isnull=False),
                         name="approvalcase_yellow_from_idx"),
            models.Index(fields=["red_from"], condition=Q(red_from__isnull=False), name="approvalcase_red_from_idx"),
            models.Index(fields=["statutory_alarm_from"], condition=Q(statutory_alarm_from__isnull=False),
                         name="approvalcase_alarm_from_idx"),
            # The public listing of decisions (approvals.publicity): newest first, keyset pages; decided cases only,
            # so an entry is written once, when the case is decided.
            models.Index(fields=["decided_at", "id"], condition=Q(stage__in=["approved", "denied"]),
                         name="approvalcase_decided_idx"),
            # ... and one item's (a rare item's rows would otherwise be looked for through the whole of the above).
            models.Index(fields=["item", "decided_at", "id"], condition=Q(stage__in=["approved", "denied"]),
                         name="approvalcase_item_decided_idx"),
            # The dashboards' timeliness figures (approvals/oversight): every decision of a period with what they
            # read, so a year's 165,000 decisions come from the index alone (written once, at the decision).
            models.Index(fields=["decided_at"], include=["item", "section", "accepted_at", "promised_due_date",
                                                         "statutory_due_date", "decided_by"],
                         condition=Q(stage__in=["approved", "denied"]), name="approvalcase_decided_cover_idx"),
        ]

    def __str__(self):
        return f"{self.application} · {self.item_version.name}" if self.item_version_id else str(self.pk)

    @transition(field=stage, source=Stage.RECEIVED, target=Stage.APPROVED)
    def approve_on_the_spot(self):
        """即办件 / 告知承诺: decided at the window at once."""

    @transition(field=stage, source=OPEN_STAGES, target=Stage.WITHDRAWN)
    def withdraw(self):
        """The applicant withdrew the application before the decision."""

    # The staged workflow (approvals.services calls these; stages an item does not need are skipped by the
    # target the service picks, never by empty steps).

    @transition(field=stage, source=Stage.RECEIVED, target=Stage.REVIEW)
    def begin_review(self):
        """A reviewer took the case from the review queue."""

    @transition(field=stage, source=Stage.REVIEW, target=Stage.INSPECTION)
    def to_inspection(self):
        """Review done; the item requires an on-site inspection or the reviewer asked for one."""

    @transition(field=stage, source=[Stage.REVIEW, Stage.INSPECTION], target=Stage.LEGAL_REVIEW)
    def to_legal_review(self):
        """Review (and inspection) done; the item is flagged for legal review (重大行政许可决定法制审核)."""

    @transition(field=stage, source=[Stage.REVIEW, Stage.INSPECTION, Stage.LEGAL_REVIEW], target=Stage.DECISION)
    def to_decision(self):
        """Ready for the certifier's decision."""

    # From the decision stage (items without legal review), or from legal review once it passed the draft.
    @transition(field=stage, source=[Stage.DECISION, Stage.LEGAL_REVIEW], target=Stage.APPROVED)
    def approve(self):
        """准予行政许可."""

    @transition(field=stage, source=[Stage.DECISION, Stage.LEGAL_REVIEW], target=Stage.DENIED)
    def deny(self):
        """不予行政许可."""

    @transition(field=stage, source=[Stage.INSPECTION, Stage.LEGAL_REVIEW, Stage.DECISION], target=Stage.REVIEW)
    def back_to_review(self):
        """退回审查 (send-back, or a legal reviewer's return)."""

    @transition(field=stage, source=[Stage.LEGAL_REVIEW, Stage.DECISION], target=Stage.INSPECTION)
    def back_to_inspection(self):
        """退回勘验."""

    @transition(field=stage, source=[Stage.DECISION], target=Stage.LEGAL_REVIEW)
    def back_to_legal_review(self):
        """The certifier drafted the decision of a flagged item: legal review reads that draft."""

    @transition(field=stage, source=OPEN_STAGES, target=Stage.APPROVED)
    def deem_granted(self):
        """Art. 50: a renewal left undecided when the licence expired is deemed granted (by the system's sweep,
        approvals.renewals.services.sweep_deemed_renewals)."""

    @transition(field=stage, source=OPEN_STAGES, target=Stage.TERMINATED)
    def terminate(self):
        """终止办理 (e.g. a tolerated material never supplied, the applicant no longer exists)."""

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    def colour_on(self, day) -> Colour:
        return colour_of(self.yellow_from, self.red_from, day)

    @property
    def colour(self) -> Colour:
        """Today's warning colour, from the timer days (colour_of; colour_sql is the same rule in SQL)."""
        from portal import clock

        return self.colour_on(clock.today())

    def statutory_alarm_on(self, day) -> bool:
        return self.statutory_alarm_from is not None and self.statutory_alarm_from <= day

    @property
    def statutory_alarm(self) -> bool:
        from portal import clock

        return self.statutory_alarm_on(clock.today())

    @property
    def is_suspended(self) -> bool:
        return self.suspended_since is not None

    @property
    def needs_inspection(self) -> bool:
        return bool(self.item_version.snapshot.get("inspection_required")) or self.inspection_requested

    @property
    def needs_legal_review(self) -> bool:
        return bool(self.item_version.snapshot.get("legal_review_required"))

    @property
    def queue_name(self) -> str | None:
        return next((name for name, stages in QUEUE_STAGES.items() if self.stage in stages), None)


class Inspection(models.Model):
    """One on-site visit (现场勘验): a date, a place, at least two inspectors (Art. 34), and the cases it covers
    (several at the same site: merged inspection, 合并勘验). Its result applies to every case it covers;
    `rectify` sets a deadline and a re-inspection follows (a new Inspection pointing to this one)."""

    class Outcome(models.TextChoices):
        PASS = "pass", _("合格")
        RECTIFY = "rectify", _("限期整改")
        FAIL = "fail", _("不合格")

    cases = models.ManyToManyField(ApprovalCase, verbose_name=_("勘验案件"), related_name="inspections")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("勘验人员"), related_name="inspections")
    scheduled_on = models.DateField(_("勘验日期"))
    place = models.CharField(_("勘验地点"), max_length=200)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("安排人"), on_delete=models.PROTECT,
                                     related_name="+")
    scheduled_at = models.DateTimeField(_("安排时间"), auto_now_add=True)
    reinspection_of = models.ForeignKey("self", verbose_name=_("复查的勘验"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="reinspections")
    outcome = models.CharField(_("勘验结论"), max_length=8, choices=Outcome.choices, blank=True)
    findings = models.TextField(_("勘验情况"), blank=True)
    rectify_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    # Co-signature (会签, Art. 34: at least two staff on site): one inspector records the result, which waits as
    # `proposed_outcome` until another inspector of the visit confirms it; only then is `outcome` set and the
    # cases move on. A returned record clears `proposed_outcome` and keeps the co-signer's comment.
    proposed_outcome = models.CharField(_("待会签结论"), max_length=8, choices=Outcome.choices, blank=True)
    cosigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("会签人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    cosigned_at = models.DateTimeField(_("会签时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    # Set once by the rectification sweep when the deadline passed without a re-inspection.
    rectify_overdue_at = models.DateTimeField(_("整改逾期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("现场勘验")
        verbose_name_plural = _("现场勘验")
        ordering = ["-scheduled_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["", "pass", "rectify", "fail"]),
                                   name="inspection_outcome_valid"),
            models.CheckConstraint(condition=~Q(outcome="rectify") | Q(rectify_deadline__isnull=False),
                                   name="inspection_rectify_has_deadline"),
            models.CheckConstraint(condition=Q(outcome="") | Q(recorded_at__isnull=False, recorded_by__isnull=False),
                                   name="inspection_result_recorded"),
            models.CheckConstraint(condition=Q(proposed_outcome__in=["", "pass", "rectify", "fail"]),
                                   name="inspection_proposed_outcome_valid"),
            models.CheckConstraint(condition=Q(proposed_outcome="") | Q(recorded_by__isnull=False, outcome=""),
                                   name="inspection_proposed_recorded"),
            models.CheckConstraint(condition=Q(cosigned_by__isnull=True)
                                   | (Q(recorded_by__isnull=False, cosigned_at__isnull=False)
                                      & ~Q(cosigned_by=F("recorded_by"))),
                                   name="inspection_cosigner_not_recorder"),
        ]
        indexes = [
            models.Index(fields=["rectify_deadline"],
                         condition=Q(outcome="rectify", rectify_overdue_at__isnull=True),
                         name="inspection_rectify_open_idx"),
        ]

    def __str__(self):
        return f"{self.scheduled_on} {self.place}"

    @property
    def is_done(self) -> bool:
        return bool(self.outcome)

    @property
    def awaiting_cosign(self) -> bool:
        return not self.outcome and bool(self.proposed_outcome)

    def get_proposed_outcome_label(self) -> str:
        return self.Outcome(self.proposed_outcome).label if self.proposed_outcome else ""


class InspectionEvidence(StoredFile):
    """A photo or video taken at the inspection, served only through a view that checks who may see it."""

    STORAGE_FOLDER = "inspections"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evidence")

    class Meta:
        verbose_name = _("勘验证据")
        verbose_name_plural = _("勘验证据")
        ordering = ["inspection", "uploaded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty")]


class DecisionDraft(models.Model):
    """The certifier's draft decision on a flagged item (重大行政许可决定法制审核): what legal review reads.
    Written by decide() and kept, editable, while the case goes between the certifier and legal review; when
    legal review passes it the Decision is made from it (signed by its drafter) and the notice issued."""

    case = models.OneToOneField(ApprovalCase, on_delete=models.CASCADE, related_name="decision_draft")
    outcome = models.CharField(_("拟作决定"), max_length=8, choices=[("approve", _("准予许可")),
                                                                 ("deny", _("不予许可"))])
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("拟稿人"), on_delete=models.PROTECT,
                                   related_name="+")
    drafted_at = models.DateTimeField(_("拟稿时间"))
    opinion = models.TextField(_("决定意见"), blank=True)
    certificate_name = models.CharField(_("证照名称"), max_length=100, blank=True)
    holder_name = models.CharField(_("持证主体"), max_length=200, blank=True)
    holder_id_type = models.CharField(_("持证主体证件类型"), max_length=3, blank=True)
    holder_id_number = models.CharField(_("持证主体证件号码"), max_length=18, blank=True)
    scope = models.TextField(_("许可范围"), blank=True)
    valid_from = models.DateField(_("有效期自"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    reasons = models.TextField(_("不予许可理由"), blank=True)

    class Meta:
        verbose_name = _("决定草稿")
        verbose_name_plural = _("决定草稿")
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["approve", "deny"]), name="decisiondraft_outcome_valid"),
            models.CheckConstraint(
                condition=Q(outcome="approve", holder_name__gt="", valid_from__isnull=False)
                | Q(outcome="deny", reasons__gt=""),
                name="decisiondraft_has_what_it_needs",
            ),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                                   name="decisiondraft_validity_ordered"),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_outcome_display()}（草稿）"


class LegalReview(models.Model):
    """A legal reviewer's opinion on the certifier's draft decision of a flagged item: pass it (the decision is
    then issued), or return it to the certifier with comments, possibly proposing the other outcome."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("审核通过")
        RETURN = "return", _("退回修改")

    PROPOSALS = [("approve", _("建议准予许可")), ("deny", _("建议不予许可"))]

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="legal_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("法制审核人"), on_delete=models.PROTECT,
                                 related_name="+")
    outcome = models.CharField(_("审核结论"), max_length=8, choices=Outcome.choices)
    comments = models.TextField(_("审核意见"))
    # What the draft said when it was reviewed, and (on a return) the outcome the reviewer proposes instead.
    draft_outcome = models.CharField(_("草稿决定"), max_length=8, blank=True, choices=PROPOSALS)
    proposed_outcome = models.CharField(_("建议决定"), max_length=8, blank=True, choices=PROPOSALS)
    created_at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法制审核")
        verbose_name_plural = _("法制审核")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(outcome__in=["approve", "return"]),
                                              name="legalreview_outcome_valid"),
                       models.CheckConstraint(condition=Q(proposed_outcome="")
                                              | Q(outcome="return", proposed_outcome__in=["approve", "deny"]),
                                              name="legalreview_proposal_on_return")]


class Decision(models.Model):
    """The decision on one case: approval with what the certificate needs (holder, scope, validity), or denial
    with reasons and the appeal rights written in. The certificate and its PDF are the documents issue's."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("准予许可")
        DENY = "deny", _("不予许可")

    case = models.OneToOneField(ApprovalCase, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(_("决定"), max_length=8, choices=Outcome.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("决定时间"))
    opinion = models.TextField(_("决定意见"), blank=True)
    certificate_name = models.CharField(_("证照名称"), max_length=100, blank=True)
    holder_name = models.CharField(_("持证主体"), max_length=200, blank=True)
    holder_id_type = models.CharField(_("持证主体证件类型"), max_length=3, blank=True)
    holder_id_number = models.CharField(_("持证主体证件号码"), max_length=18, blank=True)
    scope = models.TextField(_("许可范围"), blank=True)
    valid_from = models.DateField(_("有效期自"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("为空表示长期有效"))
    reasons = models.TextField(_("不予许可理由"), blank=True)
    appeal_rights = models.TextField(_("救济途径告知"), blank=True)
    notice = models.ForeignKey("approvals.Notice", verbose_name=_("决定书"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = _("审批决定")
        verbose_name_plural = _("审批决定")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["approve", "deny"]), name="decision_outcome_valid"),
            models.CheckConstraint(
                condition=Q(outcome="approve", holder_name__gt="", valid_from__isnull=False)
                | Q(outcome="deny", reasons__gt="", appeal_rights__gt=""),
                name="decision_has_what_it_needs",
            ),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                                   name="decision_validity_ordered"),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_outcome_display()}"


class ExtensionRequest(models.Model):
    """An officer's request to extend the limit (Art. 42: +10 working days once; +15 for joint handling of a
    bundle, Art. 26), decided by the section head or a bureau leader; the applicant is told the reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延长工作日"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    opinion = models.TextField(_("审批意见"), blank=True)
    notice = models.ForeignKey("approvals.Notice", verbose_name=_("告知书"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "refused"]),
                                   name="extension_status_valid"),
            models.CheckConstraint(condition=Q(days__in=[10, 15]), name="extension_days_by_law"),
            models.CheckConstraint(condition=Q(status="pending") | Q(decided_at__isnull=False, decided_by__isnull=False),
                                   name="extension_decided_recorded"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="extension_one_pending"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="approved"), name="extension_once"),
        ]
        indexes = [models.Index(fields=["requested_at"], condition=Q(status="pending"), name="extension_pending_idx")]

    def __str__(self):
        return f"{self.case} 延期 {self.days} 个工作日"


class Suspension(models.Model):
    """Time not counted (Art. 45: hearing, testing, appraisal, expert review ...): from `start` to `end`, both
    included, the clock stops. The applicant is told in writing when it starts and when it ends."""

    class Kind(models.TextChoices):
        HEARING = "hearing", _("听证")
        TENDER = "tender", _("招标、拍卖")
        TESTING = "testing", _("检验、检测、检疫")
        APPRAISAL = "appraisal", _("鉴定")
        EXPERT_REVIEW = "expert", _("专家评审")
        OTHER = "other", _("其他法定情形")

    case = models.ForeignKey(ApprovalCase, on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField(_("特别程序"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("事由"))
    start = models.DateField(_("起始日"))
    expected_end = models.DateField(_("预计结束日"), null=True, blank=True)
    end = models.DateField(_("结束日"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT,
                                   related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("恢复人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    notice = models.ForeignKey("approvals.Notice", verbose_name=_("告知书"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    end_notice = models.ForeignKey("approvals.Notice", verbose_name=_("恢复告知书"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("期限中止")
        verbose_name_plural = _("期限中止")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="suspension_ordered"),
            models.CheckConstraint(condition=Q(expected_end__isnull=True) | Q(expected_end__gte=F("start")),
                                   name="suspension_expected_ordered"),
            models.UniqueConstraint(fields=["case"], condition=Q(end__isnull=True), name="suspension_one_open"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start}–{self.end or '…'}"

    @property
    def is_open(self) -> bool:
        return self.end is None


class TimerSweep(models.Model):
    """One day the timer sweep ran for: the next sweep sends the warnings whose day lies after the last one swept
    (so a week of missed sweeps still sends each warning once) and up to its own day."""

    day = models.DateField(_("预警日期"), unique=True)
    swept_at = models.DateTimeField(_("执行时间"))
    warnings = models.PositiveIntegerField(_("发出预警"), default=0)

    class Meta:
        verbose_name = _("时限预警扫描")
        verbose_name_plural = _("时限预警扫描")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day} ({self.warnings})"


class CaseWarning(models.Model):
    """One deadline warning sent for a case (yellow, red or the statutory alarm), once per case, kind and due
    date: the sweep's record of what it told, shown in the case's history (approvals.timers.sweep_timers).

    People get one message per sweep that counts their warnings, not one per case. The row has no foreign-key
    constraint to the case on purpose: the sweep inserts thousands of rows in one statement, and checking each
    would lock each case row (FOR KEY SHARE writes to the case table, which the sweep never updates). Cases are
    never deleted (PROTECT everywhere), so nothing can dangle."""

    class Kind(models.TextChoices):
        YELLOW = "yellow", _("黄色预警")
        RED = "red", _("红色预警")
        ALARM = "alarm", _("法定时限告警")

    case = models.ForeignKey(ApprovalCase, verbose_name=_("案件"), on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="warnings")  # the unique constraint's index leads with it
    kind = models.CharField(_("预警类别"), max_length=10, choices=Kind.choices)
    due_date = models.DateField(_("对应期限"))  # the promised date (yellow, red) or the statutory one (alarm)
    day = models.DateField(_("预警日期"))  # the sweep day that sent it
    sent_at = models.DateTimeField(_("发送时间"))

    class Meta:
        verbose_name = _("时限预警记录")
        verbose_name_plural = _("时限预警记录")
        constraints = [models.UniqueConstraint(fields=["case", "kind", "due_date"], name="case_warning_once")]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.due_date}"
