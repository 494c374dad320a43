"""The staged approval workflow at the service level (real PostgreSQL): review, inspection (merged, rectify,
re-inspection), legal review, decision, send-back, four-way separation, section rules, extensions (Art. 42)
and suspensions (Art. 45) on the legal clock."""
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.errors import Conflict, DomainError
from applications.models import Application, Status
from applications.testing import JPEG_BYTES, PNG_BYTES
from approvals.cases import selectors as case_selectors
from approvals.cases import services as case_services
from approvals import timers
from approvals.models import ApprovalCase, Decision, DecisionDraft, ExtensionRequest, Inspection, LegalReview, Notice, Stage, Suspension
from approvals.testing import Flow, make_person, record_and_cosign, visit_day_arrives
from catalog.testing import make_section
from portal import clock, outbox
from portal.models import AuditEvent, Notification
from portal.roles import Role

pytestmark = pytest.mark.django_db
BEIJING = timezone.get_fixed_timezone(8 * 60)
MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@pytest.fixture
def flow(db):
    return Flow.build()


def fresh(case) -> ApprovalCase:
    return ApprovalCase.objects.select_related("application", "item_version").get(pk=case.pk)


def case_actions(case) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="approvals.approvalcase", object_id=str(case.pk))
                .order_by("id").values_list("action", flat=True))


def reviewed(flow, **flags) -> ApprovalCase:
    flow.case(**flags)
    case = case_services.take_next(flow.reviewer, "review")
    return case_services.complete_review(case, flow.reviewer, "材料齐全，符合法定条件")


# --- the plain path --------------------------------------------------------------------------------------------


def test_review_then_decision_approves_with_certificate_data_and_moves_the_application_to_the_window(flow):
    case = flow.case(validity_years=5)
    assert case.stage == Stage.RECEIVED and case.yellow_from and case.red_from == case.promised_due_date + timedelta(1)
    taken = case_services.take_next(flow.reviewer, "review")
    assert taken.pk == case.pk and taken.stage == Stage.REVIEW and taken.assignee == flow.reviewer
    taken = case_services.complete_review(taken, flow.reviewer, "材料齐全，符合法定条件")
    assert taken.stage == Stage.DECISION and taken.assignee is None and taken.reviewer == flow.reviewer
    assert case_services.take_next(flow.reviewer, "decision") is None  # the reviewer may not certify (四分离)
    taken = case_services.take_next(flow.certifier, "decision")
    decision = case_services.decide(taken, flow.certifier, True, opinion="同意")
    case = fresh(case)
    assert case.stage == Stage.APPROVED and case.decided_by == flow.certifier and case.closed_at
    assert case.yellow_from is None and case.assignee is None
    today = clock.today()
    assert (decision.holder_name, decision.scope, decision.valid_from) == ("张丽华", case.item_version.name, today)
    assert decision.valid_until == date(today.year + 5, today.month, today.day) - timedelta(days=1)
    assert decision.notice.kind == Notice.Kind.APPROVAL and "准予行政许可" in decision.notice.body_html
    application = Application.objects.get(pk=case.application_id)
    assert application.status == Status.DECIDED and application.decided_at
    assert case_actions(case) == ["case_open", "case_claim", "case_review", "case_claim", "case_approve",
                                 "certificate_issued"]
    review = AuditEvent.objects.get(object_id=str(case.pk), object_type="approvals.approvalcase", action="case_review")
    assert (review.actor, review.from_state, review.to_state, review.opinion) == (
        flow.reviewer, "review", "decision", "材料齐全，符合法定条件")
    assert AuditEvent.objects.filter(object_id=str(application.pk), action="all_cases_decided").exists()
    assert Notification.objects.filter(recipient=flow.applicant_user, title__startswith="审批决定已作出").exists()


def test_denial_requires_reasons_and_writes_the_appeal_rights_in(flow):
    case = reviewed(flow)
    with pytest.raises(DomainError, match="不予许可须说明理由"):
        case_services.decide(case, flow.certifier, False)
    decision = case_services.decide(case, flow.certifier, False, reasons="经营场所与申请材料不符")
    assert decision.outcome == Decision.Outcome.DENY and fresh(case).stage == Stage.DENIED
    assert "60日内" in decision.appeal_rights and "6个月内" in decision.appeal_rights
    assert "宝塔区人民政府" in decision.appeal_rights and "本级人民政府" not in decision.appeal_rights  # the body by name
    assert decision.notice.kind == Notice.Kind.DENIAL
    assert "经营场所与申请材料不符" in decision.notice.body_html and "行政复议" in decision.notice.body_html


def test_a_bundle_reaches_the_issuing_window_only_when_every_case_is_decided(flow):
    first, second = flow.bundle_cases(2)
    for _ in range(2):
        case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "符合条件")
    case_services.decide(case_services.take_next(flow.certifier, "decision"), flow.certifier, True)
    assert Application.objects.get(pk=first.application_id).status == Status.ACCEPTED
    case_services.decide(case_services.take_next(flow.certifier, "decision"), flow.certifier, False, reasons="不符合卫生条件")
    application = Application.objects.get(pk=first.application_id)
    assert application.status == Status.DECIDED
    assert {fresh(first).stage, fresh(second).stage} == {Stage.APPROVED, Stage.DENIED}


# --- four-way separation, sections, holders ---------------------------------------------------------------------


def test_separation_of_duties_is_refused_at_every_step(flow):
    # The clerk who accepted may not review, even holding the officer role in the section.
    flow.clerk.groups.add(*make_person(Role.APPROVAL_OFFICER, "x").groups.all())
    flow.section.members.add(flow.clerk)
    clerk = type(flow.clerk).objects.get(pk=flow.clerk.pk)
    case = flow.case(inspection=True)
    assert case_services.take_next(clerk, "review") is None
    with pytest.raises(DomainError, match="四分离") as refused:
        case_services.claim_case(case, clerk)
    assert refused.value.code == "separation" and "受理人" in refused.value.messages[0]
    case = case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "需现场勘验")
    assert case.stage == Stage.INSPECTION
    # The reviewer may not inspect.
    with pytest.raises(DomainError, match="审查人"):
        case_services.schedule_inspection([case], clock.today(), "宝塔区南关街12号", [flow.reviewer, flow.inspector1],
                                     flow.inspector2)
    inspection = case_services.schedule_inspection([case], clock.today(), "宝塔区南关街12号", flow.inspectors, flow.certifier)
    record_and_cosign(inspection, flow.inspector1, flow.inspector2, "场所符合要求", "pass")
    case = fresh(case)
    # An inspector may not certify; nor may the reviewer.
    for person in (flow.inspector2, flow.reviewer):
        with pytest.raises(DomainError, match="四分离"):
            case_services.decide(case, person, True)
    assert case_services.take_next(flow.inspector1, "decision") is None
    case_services.decide(case, flow.certifier, True)
    assert fresh(case).stage == Stage.APPROVED


def test_at_least_two_inspectors(flow):
    case = reviewed(flow, inspection=True)
    with pytest.raises(DomainError, match="两名以上"):
        case_services.schedule_inspection([case], clock.today(), "现场", [flow.inspector1], flow.certifier)
    with pytest.raises(DomainError, match="两名以上"):
        case_services.schedule_inspection([case], clock.today(), "现场", [flow.inspector1, flow.inspector1], flow.certifier)


def test_officers_act_only_on_cases_of_their_section(flow):
    stranger = make_person(Role.APPROVAL_OFFICER, "外科室", section=make_section())
    case = flow.case()
    assert case_services.take_next(stranger, "review") is None
    with pytest.raises(PermissionDenied, match="本科室"):
        case_services.claim_case(case, stranger)
    with pytest.raises(PermissionDenied, match="本科室"):
        case_services.request_extension(case, stranger, "需要补充调查")
    assert case_selectors.case_detail(stranger, case.pk) is None
    assert case_selectors.case_detail(flow.reviewer, case.pk).pk == case.pk
    assert case_selectors.case_detail(flow.leader, case.pk).pk == case.pk


def test_a_case_held_by_one_officer_is_refused_to_another(flow):
    colleague = make_person(Role.APPROVAL_OFFICER, "同事", section=flow.section)
    flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    with pytest.raises(Conflict, match="正由"):
        case_services.complete_review(case, colleague, "越权")
    case = case_services.release_case(case, flow.reviewer)
    assert case.assignee is None and case.stage == Stage.REVIEW
    assert case_services.take_next(colleague, "review").pk == case.pk


def test_a_stale_version_is_a_conflict(flow):
    flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    with pytest.raises(Conflict, match="已被他人处理"):
        case_services.complete_review(case, flow.reviewer, "意见", version=case.version - 1)


# --- inspection ------------------------------------------------------------------------------------------------


def test_merged_inspection_with_rectification_then_pass_on_reinspection(flow):
    first, second = flow.bundle_cases(2, inspection=True)
    for _ in range(2):
        case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "需现场勘验")
    assert {fresh(first).stage, fresh(second).stage} == {Stage.INSPECTION}
    visit = case_services.schedule_inspection([first, second], clock.today(), "宝塔区南关街12号", flow.inspectors,
                                         flow.certifier)
    assert set(visit.cases.all()) == {fresh(first), fresh(second)} and fresh(first).assignee == flow.certifier
    with pytest.raises(PermissionDenied):
        case_services.record_inspection_result(visit, flow.reviewer, "无", "pass")
    with pytest.raises(DomainError, match="整改期限"):
        case_services.record_inspection_result(visit, flow.inspector1, "消毒设施不全", "rectify")
    deadline = clock.add_working_days(clock.today(), 5)
    photo = SimpleUploadedFile("现场.jpg", JPEG_BYTES, content_type="image/jpeg")
    video = SimpleUploadedFile("现场.mp4", MP4_BYTES, content_type="video/mp4")
    visit = record_and_cosign(visit, flow.inspector1, flow.inspector2, "消毒设施不全", "rectify",
                              rectify_deadline=deadline, evidence=[photo, video])
    assert visit.outcome == "rectify" and visit.rectify_deadline == deadline
    assert sorted(visit.evidence.values_list("content_type", flat=True)) == ["image/jpeg", "video/mp4"]
    assert all(e.file.name.startswith("inspections/") and "现场" not in e.file.name for e in visit.evidence.all())
    assert {fresh(first).stage, fresh(second).stage} == {Stage.INSPECTION}
    with pytest.raises(Conflict, match="已记录结果"):
        case_services.record_inspection_result(visit, flow.inspector2, "再记一次", "pass")
    again = case_services.schedule_reinspection(visit, deadline, flow.certifier)
    assert again.reinspection_of == visit and set(again.inspectors.all()) == set(flow.inspectors)
    again = visit_day_arrives(again)
    record_and_cosign(again, flow.inspector2, flow.inspector1, "已整改到位", "pass",
                      evidence=[SimpleUploadedFile("整改后.png", PNG_BYTES)])
    assert {fresh(first).stage, fresh(second).stage} == {Stage.DECISION}
    assert fresh(first).assignee is None
    results = AuditEvent.objects.filter(object_id=str(first.pk), object_type="approvals.approvalcase",
                                        action="inspection_result").order_by("id")
    assert [e.data["result"] for e in results] == ["rectify", "pass"]
    for case in (first, second):
        case_services.decide(fresh(case), flow.certifier, True)
    assert Application.objects.get(pk=first.application_id).status == Status.DECIDED


def test_evidence_is_sniffed_not_trusted_by_name(flow):
    case = reviewed(flow, inspection=True)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    with pytest.raises(DomainError, match="不是可接受的勘验证据格式"):
        case_services.record_inspection_result(visit, flow.inspector1, "情况", "pass", evidence=[fake])
    assert Inspection.objects.get(pk=visit.pk).outcome == "" and fresh(case).stage == Stage.INSPECTION


def test_failed_inspection_goes_to_the_decision(flow):
    case = reviewed(flow, inspection=True)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    record_and_cosign(visit, flow.inspector1, flow.inspector2, "不具备经营条件", "fail")
    assert fresh(case).stage == Stage.DECISION


def test_reviewer_may_ask_for_an_inspection_the_item_does_not_require(flow):
    flow.case()
    case = case_services.complete_review(case_services.take_next(flow.reviewer, "review"), flow.reviewer, "需核实场所", True)
    assert case.stage == Stage.INSPECTION and case.inspection_requested


# --- legal review and send-back ------------------------------------------------------------------------------


def _issued(case) -> tuple[bool, bool, bool]:
    """Whether a Decision, a decision notice and a case.decided event exist for the case."""
    kinds = [Notice.Kind.APPROVAL, Notice.Kind.DENIAL]
    return (Decision.objects.filter(case=case).exists(),
            Notice.objects.filter(application=case.application, kind__in=kinds).exists(),
            AuditEvent.objects.filter(object_id=str(case.pk), action__in=["case_approve", "case_deny"]).exists())


def test_a_flagged_item_reaches_the_certifier_first_whose_draft_legal_review_passes_then_it_is_issued(flow):
    case = reviewed(flow, legal=True)
    assert case.stage == Stage.DECISION  # no legal review before there is a draft to review
    assert case_services.take_next(flow.legal, "legal_review") is None
    with pytest.raises(Conflict):
        case_services.legal_review(case, flow.legal, True)
    taken = case_services.take_next(flow.certifier, "decision")
    draft = case_services.decide(taken, flow.certifier, True, certificate={"scope": "热食类食品制售"}, opinion="拟准予")
    assert isinstance(draft, DecisionDraft) and draft.drafted_by == flow.certifier and draft.scope == "热食类食品制售"
    case = fresh(case)
    assert case.stage == Stage.LEGAL_REVIEW and case.assignee is None and case.decided_at is None
    assert _issued(case) == (False, False, False)  # nothing signed or issued before legal review passes
    assert case.application.status == Status.ACCEPTED
    with pytest.raises(PermissionDenied):
        case_services.legal_review(case, flow.certifier, True)
    taken = case_services.take_next(flow.legal, "legal_review")
    assert taken.pk == case.pk
    review = case_services.legal_review(taken, flow.legal, True, "合法")
    assert review.outcome == LegalReview.Outcome.APPROVE and review.draft_outcome == "approve"
    case = fresh(case)
    assert case.stage == Stage.APPROVED and case.decided_by == flow.certifier and case.legal_reviewer == flow.legal
    decision = case.decision
    assert (decision.outcome, decision.decided_by, decision.scope, decision.opinion) == (
        "approve", flow.certifier, "热食类食品制售", "拟准予")
    assert decision.notice.kind == Notice.Kind.APPROVAL
    assert Application.objects.get(pk=case.application_id).status == Status.DECIDED
    assert [a for a in case_actions(case) if a in ("decision_draft", "legal_review", "case_approve")] == [
        "decision_draft", "legal_review", "case_approve"]


def test_legal_review_returns_the_draft_to_the_certifier_who_edits_it_into_a_denial_which_passes(flow):
    case = reviewed(flow, legal=True)
    case_services.decide(case_services.claim_case(case, flow.certifier), flow.certifier, True)
    case = fresh(case)
    with pytest.raises(DomainError, match="退回须写明"):
        case_services.legal_review(case, flow.legal, False)
    review = case_services.legal_review(case, flow.legal, False, "经营场所不符合卫生要求，应不予许可",
                                        proposed_outcome="deny")
    assert (review.outcome, review.draft_outcome, review.proposed_outcome) == ("return", "approve", "deny")
    case = fresh(case)
    assert case.stage == Stage.DECISION and case.assignee == flow.certifier
    assert DecisionDraft.objects.get(case=case).outcome == "approve"  # kept for the certifier to edit
    assert _issued(case) == (False, False, False)
    assert Notification.objects.filter(recipient=flow.certifier, title="法制审核退回决定草稿").exists()
    with pytest.raises(DomainError, match="不予许可须说明理由"):
        case_services.decide(case, flow.certifier, False)
    draft = case_services.decide(case, flow.certifier, False, reasons="经营场所不符合卫生要求")
    assert DecisionDraft.objects.filter(case=case).count() == 1 and draft.outcome == "deny"
    case = fresh(case)
    assert case.stage == Stage.LEGAL_REVIEW and _issued(case) == (False, False, False)
    case_services.legal_review(case, flow.legal, True)
    case = fresh(case)
    assert case.stage == Stage.DENIED and case.decision.reasons == "经营场所不符合卫生要求"
    assert case.decision.appeal_rights and case.decision.notice.kind == Notice.Kind.DENIAL
    assert [e for e in case_actions(case) if e.startswith("legal") or e.startswith("decision")] == [
        "decision_draft", "legal_review_return", "decision_draft", "legal_review"]


def test_the_drafter_may_not_review_their_own_draft_nor_the_legal_reviewer_draft(flow):
    from portal.services import grant_role

    case = reviewed(flow, legal=True)
    both = make_person(Role.APPROVAL_OFFICER, "冯兼任", section=flow.section)
    grant_role(both, Role.LEGAL_REVIEWER)
    both = type(both).objects.get(pk=both.pk)
    case_services.decide(case, both, False, reasons="不符合条件")
    case = fresh(case)
    with pytest.raises(DomainError, match="四分离") as refused:
        case_services.legal_review(case, both, True)
    assert refused.value.code == "separation"
    with pytest.raises(DomainError, match="建议改变决定时"):
        case_services.legal_review(case, flow.legal, True, proposed_outcome="approve")
    case_services.legal_review(case, flow.legal, False, "事实不清", proposed_outcome="approve")
    case = fresh(case)
    assert (case.stage, case.assignee) == (Stage.DECISION, both)
    assert not Decision.objects.filter(case=case).exists()


def test_send_back_from_the_decision_to_review_with_a_reason(flow):
    case = reviewed(flow, inspection=True, legal=True)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.certifier)
    record_and_cosign(visit, flow.inspector1, flow.inspector2, "合格", "pass")
    case = case_services.claim_case(fresh(case), flow.certifier)
    assert case.stage == Stage.DECISION
    with pytest.raises(DomainError, match="决定草稿"):
        case_services.send_back(case, flow.certifier, Stage.LEGAL_REVIEW, "请法制审核")
    with pytest.raises(DomainError, match="退回须写明理由"):
        case_services.send_back(case, flow.certifier, Stage.REVIEW, "  ")
    with pytest.raises(DomainError, match="之前的环节"):
        case_services.send_back(case, flow.certifier, Stage.DECISION, "理由")
    back = case_services.send_back(case, flow.certifier, Stage.INSPECTION, "需复核消防通道")
    assert back.stage == Stage.INSPECTION and back.assignee is None
    event = AuditEvent.objects.filter(object_id=str(case.pk), action="case_send_back").get()
    assert (event.from_state, event.to_state, event.opinion) == ("decision", "inspection", "需复核消防通道")
    case = case_services.claim_case(back, flow.certifier)
    back = case_services.send_back(case, flow.certifier, Stage.REVIEW, "材料需重新审查")
    assert back.stage == Stage.REVIEW and back.assignee == flow.reviewer


# --- extension (Art. 42) and suspension (Art. 45) ---------------------------------------------------------------


def test_an_approved_extension_moves_both_dates_by_ten_working_days_and_tells_the_applicant(flow):
    case = flow.case(statutory=20, promised=10)
    old_statutory, old_promised = case.statutory_due_date, case.promised_due_date
    extension = case_services.request_extension(case, flow.reviewer, "需要征求相关部门意见")
    assert extension.days == 10 and extension.status == ExtensionRequest.Status.PENDING
    assert list(case_selectors.pending_extensions(flow.head)) == [extension]
    with pytest.raises(DomainError, match="待审批"):
        case_services.request_extension(case, flow.reviewer, "再申请")
    with pytest.raises(PermissionDenied):
        case_services.decide_extension(extension, flow.certifier, True)
    extension = case_services.decide_extension(extension, flow.head, True, "同意延期")
    case = fresh(case)
    assert case.promised_due_date == clock.add_working_days(old_promised, 10)
    assert case.statutory_due_date == clock.add_working_days(old_statutory, 10)
    assert case.extension_days == 10 and case.red_from == case.promised_due_date + timedelta(days=1)
    assert extension.notice.kind == Notice.Kind.EXTENSION and "第四十二条" in extension.notice.body_html
    assert Notification.objects.filter(recipient=flow.applicant_user, title__startswith="审批期限延长").exists()
    with pytest.raises(DomainError, match="只能延长一次"):
        case_services.request_extension(case, flow.reviewer, "再延一次")


def test_a_joint_bundle_extends_by_fifteen_working_days_and_a_leader_may_approve(flow):
    first, _second = flow.bundle_cases(2)
    old = first.promised_due_date
    extension = case_services.request_extension(first, flow.reviewer, "并联审批需会商")
    assert extension.days == 15
    case_services.decide_extension(extension, flow.leader, True, "同意")
    assert fresh(first).promised_due_date == clock.add_working_days(old, 15)


def test_a_refused_extension_needs_an_opinion_and_changes_nothing(flow):
    case = flow.case()
    extension = case_services.request_extension(case, flow.reviewer, "理由")
    with pytest.raises(DomainError, match="须写明意见"):
        case_services.decide_extension(extension, flow.head, False)
    case_services.decide_extension(extension, flow.head, False, "理由不充分")
    assert fresh(case).promised_due_date == case.promised_due_date
    assert ExtensionRequest.objects.get(pk=extension.pk).status == ExtensionRequest.Status.REFUSED


def test_a_suspension_across_the_national_day_holiday_moves_the_dates_by_exactly_the_working_days_suspended(flow):
    case = flow.case(statutory=30, promised=20)
    accepted = datetime(2026, 9, 14, 10, 0, tzinfo=BEIJING)  # a Monday
    ApprovalCase.objects.filter(pk=case.pk).update(accepted_at=accepted)
    case = fresh(case)
    timers.recompute_due_dates(case)
    case.save(update_fields=["statutory_due_date", "promised_due_date", "yellow_from", "red_from",
                             "statutory_alarm_from"])
    # 20 working days after 14 Sep 2026 (make-up Sunday 20 Sep, holidays 25 Sep and 1-7 Oct, make-up Sat 10 Oct).
    assert case.promised_due_date == date(2026, 10, 16)
    old_statutory = case.statutory_due_date
    suspension = case_services.suspend(case, flow.reviewer, Suspension.Kind.EXPERT_REVIEW, "组织专家评审",
                                  start=date(2026, 9, 29), expected_end=date(2026, 10, 9))
    case = fresh(case)
    assert case.suspended_since == date(2026, 9, 29) and case.yellow_from is None
    assert suspension.notice.kind == Notice.Kind.SUSPENSION and "第四十五条" in suspension.notice.body_html
    with pytest.raises(DomainError, match="期限中止"):
        case_services.suspend(case, flow.reviewer, Suspension.Kind.TESTING, "再中止")
    suspension = case_services.resume(case, flow.reviewer, end=date(2026, 10, 9))
    case = fresh(case)
    # Suspended 29 Sep - 9 Oct: working days 29, 30 Sep, 8, 9 Oct = 4 (1-7 Oct are the holiday).
    assert clock.work_calendar().working_days_in(date(2026, 9, 29), date(2026, 10, 9)) == 4
    assert case.promised_due_date == date(2026, 10, 22)
    assert case.statutory_due_date == clock.add_working_days(old_statutory, 4)
    assert case.suspended_since is None and case.red_from == date(2026, 10, 23)
    assert suspension.end_notice.kind == Notice.Kind.RESUMPTION
    assert [n.kind for n in Notice.objects.filter(application=case.application_id).order_by("id")][-2:] == [
        "suspension", "resumption"]
    resume = AuditEvent.objects.get(object_id=str(case.pk), object_type="approvals.approvalcase", action="case_resume")
    assert resume.data["new_due"][1] == "2026-10-22"


def test_no_decision_while_the_clock_is_stopped(flow):
    case = reviewed(flow)
    case_services.suspend(case, flow.reviewer, Suspension.Kind.TESTING, "送检")
    with pytest.raises(DomainError, match="期限中止"):
        case_services.decide(fresh(case), flow.certifier, True)
    case_services.resume(fresh(case), flow.reviewer)
    assert case_services.decide(fresh(case), flow.certifier, True).outcome == "approve"


def test_withdrawal_closes_open_cases_and_disarms_their_timers(flow):
    from applications import services as app_services

    case = flow.case()
    app_services.withdraw(Application.objects.get(pk=case.application_id), flow.applicant_user, "不办了")
    outbox.drain()  # the "application.withdrawn" event, as the worker handles it
    case = fresh(case)
    assert case.stage == Stage.WITHDRAWN and case.yellow_from is None and case.red_from is None


def test_an_inspection_date_is_bounded_by_the_statutory_period(flow):
    from approvals.cases.services import OVERDUE_INSPECTION_DAYS, latest_inspection_day

    case = reviewed(flow, inspection=True)
    latest = latest_inspection_day([case])
    assert latest == max(case.statutory_due_date, clock.today() + timedelta(days=OVERDUE_INSPECTION_DAYS))
    for far in (date(9999, 12, 31), latest + timedelta(days=1)):
        with pytest.raises(DomainError, match="勘验日期不能晚于"):
            case_services.schedule_inspection([case], far, "宝塔区南关街12号", [flow.inspector1, flow.inspector2],
                                              flow.certifier)
    visit = case_services.schedule_inspection([case], latest, "宝塔区南关街12号", [flow.inspector1, flow.inspector2],
                                              flow.certifier)
    assert visit.scheduled_on == latest
