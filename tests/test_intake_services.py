"""The receive stage at the service level: every intake outcome, its notice, its audit row, and the sweeps."""
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from applications import selectors as app_selectors
from applications import services as app_services
from portal.errors import Conflict, DomainError
from applications.models import Application, ApplicationMaterial, Commitment, Status
from applications import testing as app_testing
from applications.testing import complete_draft, make_bundle, make_item, make_person, pdf_upload, submitted_application
from approvals.intake import selectors as intake_selectors
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase, IntakeClaim, Notice, Stage
from approvals.cases import services as case_services
from approvals.testing import make_person as staff_person
from portal import clock, outbox
from portal.models import AuditEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db
BEIJING = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def instant_clerk(make_user):
    user = make_user(Role.WINDOW_CLERK, real_name="窗口组长")
    user.user_permissions.add(Permission.objects.get(codename="decide_instant", content_type__app_label="approvals"))
    return type(user).objects.get(pk=user.pk)  # fresh instance: no permission cache


def audit_actions(application):
    return list(AuditEvent.objects.filter(object_type="applications.application", object_id=str(application.pk))
                .order_by("id").values_list("action", flat=True))


def move_submission_to(application, moment: datetime):
    """Pretend the application arrived at `moment` (the clock counts from there)."""
    Application.objects.filter(pk=application.pk).update(
        submitted_at=moment, received_at=moment, intake_due_date=clock.add_working_days(moment, 5))
    return Application.objects.get(pk=application.pk)


# --- accept ------------------------------------------------------------------------------------------------


def test_accept_opens_a_case_with_due_dates_and_issues_the_acceptance_notice(applicant_user, clerk):
    application = submitted_application(applicant_user, item=make_item(statutory=20, promised=8))
    notice = intake_services.accept(application, clerk, opinion="材料齐全，符合法定形式")
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED and not application.deemed_accepted
    case = ApprovalCase.objects.get(application=application)
    assert case.stage == Stage.RECEIVED and case.accepted_by == clerk
    assert case.section.code == "SC" and case.item_version == application.items.get().item_version
    assert case.promised_due_date == clock.add_working_days(case.accepted_at, 8)
    assert case.statutory_due_date == clock.add_working_days(case.accepted_at, 20)
    assert application.promised_due_date == case.promised_due_date
    assert notice.kind == Notice.Kind.ACCEPTANCE and notice.number.endswith("号")
    assert application.case_number in notice.body_html
    assert f"{case.promised_due_date:%Y年%m月%d日}".replace("年0", "年").replace("月0", "月") in notice.body_html
    event = AuditEvent.objects.get(object_type="applications.application", object_id=str(application.pk),
                                   action="accept")
    assert (event.from_state, event.to_state, event.actor, event.opinion) == (
        "submitted", "accepted", clerk, "材料齐全，符合法定形式")
    assert app_selectors.notices(application)[0]["number"] == notice.number


def test_accept_is_refused_when_a_required_material_is_missing(applicant_user, clerk):
    application = submitted_application(applicant_user)
    ApplicationMaterial.objects.filter(application=application, name="经营场所平面图").first().files.all().delete()
    with pytest.raises(DomainError, match="经营场所平面图"):
        intake_services.accept(Application.objects.get(pk=application.pk), clerk)


def test_only_window_clerks_decide_and_never_for_their_own_applicant(applicant_user, make_user):
    application = submitted_application(applicant_user)
    with pytest.raises(PermissionDenied):
        intake_services.accept(application, make_user(Role.APPROVAL_OFFICER))
    clerk_applicant = make_user(Role.WINDOW_CLERK)
    own = submitted_application(clerk_applicant)
    with pytest.raises(PermissionDenied, match="回避"):
        intake_services.accept(own, clerk_applicant)


def test_a_bundle_opens_one_case_per_item_on_the_joint_limit(applicant_user, clerk):
    bundle = make_bundle(promised=15)
    application = submitted_application(applicant_user, bundle=bundle)
    intake_services.accept(application, clerk)
    cases = list(ApprovalCase.objects.filter(application=application).order_by("id"))
    assert [c.item_id for c in cases] == list(bundle.entries.order_by("sort_order").values_list("item_id", flat=True))
    accepted = cases[0].accepted_at
    for case in cases:  # Art. 26: joint handling, 45 working days; the bundle's promise of 15
        assert case.statutory_due_date == clock.add_working_days(accepted, 45)
        assert case.promised_due_date == clock.add_working_days(accepted, 15)


def test_an_ordered_bundle_keeps_each_items_own_limits(applicant_user, clerk):
    bundle = make_bundle(items=[make_item(statutory=20, promised=5),
                                make_item("公共场所卫生许可", statutory=20, promised=12, materials=["申请表"])],
                         handling="ordered", promised=15)
    application = submitted_application(applicant_user, bundle=bundle)
    intake_services.accept(application, clerk)
    promised = sorted(ApprovalCase.objects.filter(application=application).values_list("promised_due_date", flat=True))
    accepted = ApprovalCase.objects.filter(application=application).first().accepted_at
    assert promised == [clock.add_working_days(accepted, 5), clock.add_working_days(accepted, 12)]
    assert Application.objects.get(pk=application.pk).promised_due_date == promised[-1]


# --- supplement ------------------------------------------------------------------------------------------------


def test_one_supplement_notice_lists_everything_and_the_applicant_answers_it(applicant_user, clerk):
    application = submitted_application(applicant_user)
    plan = application.materials.get(name="经营场所平面图")
    notice = intake_services.request_supplement(application, clerk, [
        (plan, "平面图未标注各功能区面积"),
        ("从业人员健康证明", "清单外：现场发现需补充"),
    ], note="请一次性补齐")
    application.refresh_from_db()
    assert application.status == Status.SUPPLEMENT_REQUESTED
    assert notice.kind == Notice.Kind.SUPPLEMENT
    assert "平面图未标注各功能区面积" in notice.body_html and "从业人员健康证明" in notice.body_html
    supplement = app_selectors.open_supplement(app_selectors.application_detail(applicant_user, application.pk))
    assert [(i.material.name, i.reason) for i in supplement.items.all()] == [
        ("经营场所平面图", "平面图未标注各功能区面积"), ("从业人员健康证明", "清单外：现场发现需补充")]
    assert supplement.due_date == clock.add_working_days(supplement.requested_at, app_services.supplement_limit_days())
    with pytest.raises(DomainError, match="尚未上传"):
        app_services.resubmit(application, applicant_user)
    app_services.upload_file(application, plan, applicant_user, pdf_upload("平面图（修改）.pdf"))
    extra = application.materials.get(name="从业人员健康证明")
    app_services.upload_file(application, extra, applicant_user, pdf_upload("健康证.pdf"))
    resubmitted = app_services.resubmit(application, applicant_user)
    assert resubmitted.status == Status.SUBMITTED
    assert resubmitted.received_at > resubmitted.submitted_at
    assert resubmitted.intake_due_date == clock.add_working_days(resubmitted.received_at, 5)
    assert resubmitted in intake_selectors.intake_queue()
    intake_services.accept(resubmitted, clerk)
    actions = [a for a in audit_actions(application) if a != "material_upload"]
    assert actions[-6:] == ["submit", "request_supplement", "notice_issued", "resubmit", "accept", "notice_issued"]
    assert Application.objects.get(pk=application.pk).status == Status.ACCEPTED


def test_a_supplement_needs_reasons_and_never_asks_for_shared_materials(applicant_user, clerk):
    application = submitted_application(applicant_user)
    with pytest.raises(DomainError, match="至少列出一项"):
        intake_services.request_supplement(application, clerk, [])
    shared = application.materials.get(name="营业执照")
    with pytest.raises(DomainError, match="部门共享获取"):
        intake_services.request_supplement(application, clerk, [(shared, "看不清")])
    with pytest.raises(DomainError, match="原因"):
        intake_services.request_supplement(application, clerk, [(application.materials.get(name="经营场所平面图"), " ")])
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED  # nothing half-done


def test_an_unanswered_supplement_lapses_after_its_deadline(applicant_user, clerk):
    application = submitted_application(applicant_user)
    due = clock.add_working_days(timezone.now(), 3)
    intake_services.request_supplement(application, clerk, [(application.materials.get(name="经营场所平面图"), "不清晰")],
                                due_date=due)
    assert intake_services.sweep_lapsed_supplements(today=due) == 0  # the due day itself still counts
    assert intake_services.sweep_lapsed_supplements(today=due + timedelta(days=1)) == 1
    assert intake_services.sweep_lapsed_supplements(today=due + timedelta(days=1)) == 0  # safe to run twice
    application.refresh_from_db()
    assert application.status == Status.LAPSED and application.finished_at
    event = AuditEvent.objects.get(object_id=str(application.pk), object_type="applications.application", action="lapse")
    assert (event.actor_name, event.from_state, event.to_state) == ("系统", "supplement_requested", "lapsed")
    assert application.supplement_requests.get().lapsed_at is not None


# --- refuse ------------------------------------------------------------------------------------------------


def test_refusal_needs_a_reason_and_names_the_competent_body_and_the_remedies(applicant_user, clerk):
    application = submitted_application(applicant_user)
    with pytest.raises(DomainError, match="理由"):
        intake_services.refuse(application, clerk, reason="")
    notice = intake_services.refuse(application, clerk, reason="申请事项属于市级审批权限", refer_to="延安市行政审批服务局")
    application.refresh_from_db()
    assert application.status == Status.REFUSED
    assert "延安市行政审批服务局" in notice.body_html
    assert "60日" in notice.body_html and "6个月" in notice.body_html
    assert not ApprovalCase.objects.filter(application=application).exists()


# --- 容缺 ---------------------------------------------------------------------------------------------------


def tolerance_application(user, *, sign=True, walk_in_clerk=None):
    item = make_item(tolerance=True)
    person = make_person(user)
    if walk_in_clerk is not None:
        application = app_services.start_application(walk_in_clerk, person, item=item, channel="1")
        user = walk_in_clerk
    else:
        application = app_services.start_application(user, person, item=item)
    complete_draft(application, user, skip=("经营场所平面图",))
    plan = application.materials.get(name="经营场所平面图")
    app_services.request_tolerance(application, plan, user, True)
    if sign:
        app_services.sign_commitment(application, user, Commitment.Kind.TOLERANCE, "张丽华")
    return app_services.submit(application, user), plan


def test_tolerated_acceptance_records_the_commitment_and_a_deadline_per_material(applicant_user, clerk):
    application, plan = tolerance_application(applicant_user)
    commitment = application.commitments.get()
    assert "经营场所平面图" in commitment.text and commitment.signed_by == applicant_user
    with pytest.raises(DomainError, match="不属于该事项可容缺"):
        intake_services.accept_with_tolerance(application, clerk, {application.materials.get(name="食品经营许可申请书").pk: None})
    notice = intake_services.accept_with_tolerance(application, clerk, {plan.pk: None})
    plan.refresh_from_db()
    case = ApprovalCase.objects.get(application=application)
    assert plan.tolerance_due_date == case.promised_due_date  # default: the promised completion date
    assert notice.kind == Notice.Kind.TOLERANCE and "经营场所平面图" in notice.body_html
    assert Application.objects.get(pk=application.pk).status == Status.ACCEPTED


def test_a_tolerance_deadline_may_not_pass_the_promised_date_and_needs_a_commitment(applicant_user, clerk, make_user):
    counter_clerk = make_user(Role.WINDOW_CLERK)  # a walk-in: the applicant signs on paper at the window
    application, plan = tolerance_application(applicant_user, sign=False, walk_in_clerk=counter_clerk)
    with pytest.raises(DomainError, match="尚未签署容缺受理承诺书"):
        intake_services.accept_with_tolerance(application, clerk, {plan.pk: None})
    with pytest.raises(DomainError, match="不能晚于承诺办结日期"):
        intake_services.accept_with_tolerance(application, clerk, {plan.pk: date(2099, 1, 1)}, paper_signatory="张丽华")
    intake_services.accept_with_tolerance(application, clerk, {plan.pk: None}, paper_signatory="张丽华")
    commitment = Application.objects.get(pk=application.pk).commitments.get()
    assert (commitment.method, commitment.recorded_by) == (Commitment.Method.PAPER, clerk)


def test_a_bad_credit_applicant_gets_no_tolerance(applicant_user, clerk):
    application, plan = tolerance_application(applicant_user)
    application.applicant.bad_credit = True
    application.applicant.save()
    with pytest.raises(DomainError, match="严重失信"):
        intake_services.accept_with_tolerance(Application.objects.get(pk=application.pk), clerk, {plan.pk: None})


def test_a_tolerated_material_past_its_deadline_is_flagged_once(applicant_user, clerk):
    application, plan = tolerance_application(applicant_user)
    due = clock.add_working_days(timezone.now(), 2)
    intake_services.accept_with_tolerance(application, clerk, {plan.pk: due})
    assert intake_services.sweep_overdue_tolerated_materials(today=due) == 0
    assert intake_services.sweep_overdue_tolerated_materials(today=due + timedelta(days=1)) == 1
    assert intake_services.sweep_overdue_tolerated_materials(today=due + timedelta(days=5)) == 0
    plan.refresh_from_db()
    assert plan.overdue_at is not None and plan.supplied_at is None
    event = AuditEvent.objects.get(object_id=str(application.pk), action="tolerated_material_overdue")
    assert event.actor_name == "系统" and "经营场所平面图" in event.opinion
    with pytest.raises(DomainError, match="当前状态下不能上传"):
        app_services.upload_file(application, application.materials.get(name="食品经营许可申请书"), applicant_user,
                                 pdf_upload())


def test_a_tolerated_material_supplied_in_time_is_never_flagged(applicant_user, clerk):
    application, plan = tolerance_application(applicant_user)
    due = clock.add_working_days(timezone.now(), 2)
    intake_services.accept_with_tolerance(application, clerk, {plan.pk: due})
    app_services.upload_file(Application.objects.get(pk=application.pk), plan, applicant_user, pdf_upload("平面图.pdf"))
    plan.refresh_from_db()
    assert plan.supplied_at is not None
    assert intake_services.sweep_overdue_tolerated_materials(today=due + timedelta(days=10)) == 0
    assert "tolerated_material_supplied" in audit_actions(application)


# --- 告知承诺 and 即办件 -------------------------------------------------------------------------------------------


def commitment_application(user, *, allowed=True, sign=True):
    item = make_item("公共场所卫生许可", commitment=allowed, materials=["公共场所卫生许可申请表"])
    application = app_services.start_application(user, make_person(user), item=item)
    complete_draft(application, user)
    if sign and allowed:
        app_services.sign_commitment(application, user, Commitment.Kind.LICENSING, "张丽华")
    return app_services.submit(application, user)


def test_acceptance_on_commitment_marks_the_cases_and_may_decide_at_once(applicant_user, clerk, instant_clerk):
    application = commitment_application(applicant_user)
    assert "如有虚假承诺" in application.commitments.get().text
    with pytest.raises(PermissionDenied, match="当场作出审批决定"):
        intake_services.accept_on_commitment(application, clerk, decide_now=True)
    notices = intake_services.accept_on_commitment(application, instant_clerk, decide_now=True)
    assert [n.kind for n in notices] == [Notice.Kind.COMMITMENT, Notice.Kind.INSTANT_DECISION]
    case = ApprovalCase.objects.get(application=application)
    assert case.by_commitment and case.stage == Stage.APPROVED and case.decided_by == instant_clerk
    assert Application.objects.get(pk=application.pk).status == Status.DECIDED
    other = commitment_application(applicant_user)
    intake_services.accept_on_commitment(other, clerk)
    assert ApprovalCase.objects.get(application=other).stage == Stage.RECEIVED


def test_commitment_only_where_the_item_allows_it(applicant_user, clerk):
    application = commitment_application(applicant_user, allowed=False)
    with pytest.raises(DomainError, match="不适用告知承诺制"):
        intake_services.accept_on_commitment(application, clerk, paper_signatory="张丽华")
    unsigned = commitment_application(applicant_user, sign=False)
    with pytest.raises(DomainError, match="尚未签署告知承诺书"):
        intake_services.accept_on_commitment(unsigned, clerk)
    intake_services.accept_on_commitment(unsigned, clerk, paper_signatory="张丽华")
    assert Application.objects.get(pk=unsigned.pk).status == Status.ACCEPTED


def test_an_instant_item_is_accepted_and_decided_in_one_step_by_a_permitted_clerk(applicant_user, clerk, instant_clerk):
    application = submitted_application(applicant_user, item=make_item("个体工商户名称登记", instant=True,
                                                                        materials=["名称申报书"]))
    with pytest.raises(PermissionDenied, match="当场办结"):
        intake_services.accept_and_decide_instant(application, clerk)
    notices = intake_services.accept_and_decide_instant(application, instant_clerk)
    application.refresh_from_db()
    assert application.status == Status.DECIDED and application.decided_at
    case = ApprovalCase.objects.get(application=application)
    assert case.stage == Stage.APPROVED and case.promised_due_date == timezone.localdate(case.accepted_at)
    assert [n.kind for n in notices] == [Notice.Kind.ACCEPTANCE, Notice.Kind.INSTANT_DECISION]
    assert audit_actions(application)[-4:] == ["accept", "notice_issued", "accept_and_decide_instant", "notice_issued"]
    promised = submitted_application(applicant_user)
    with pytest.raises(DomainError, match="只有即办件"):
        intake_services.accept_and_decide_instant(promised, instant_clerk)


# --- deemed acceptance -----------------------------------------------------------------------------------------


def test_deemed_acceptance_across_the_national_day_week_counts_from_arrival(applicant_user, make_user):
    item = make_item(statutory=20, promised=10)
    arrived = datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING)  # Wednesday before the Oct 1-7 holiday
    application = move_submission_to(submitted_application(applicant_user, item=item), arrived)
    # Oct 8 (1), Oct 9 (2), Sat Oct 10 make-up day (3), Oct 12 (4), Oct 13 (5)
    assert application.intake_due_date == date(2026, 10, 13)
    later = move_submission_to(submitted_application(applicant_user, applicant=application.applicant, item=item),
                               datetime(2026, 10, 9, 9, 0, tzinfo=BEIJING))
    assert intake_services.sweep_deemed_acceptance(today=date(2026, 10, 13)) == 0  # the 5th working day is not over yet
    assert intake_services.sweep_deemed_acceptance(today=date(2026, 10, 14)) == 1
    assert intake_services.sweep_deemed_acceptance(today=date(2026, 10, 14)) == 0  # idempotent
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED and application.deemed_accepted
    assert application.accepted_at == arrived  # accepted from the day it arrived
    case = ApprovalCase.objects.get(application=application)
    assert case.accepted_by is None and case.accepted_at == arrived
    assert case.promised_due_date == date(2026, 10, 20)  # 10 working days from Sep 30
    assert case.statutory_due_date == date(2026, 11, 3)  # 20 working days from Sep 30
    assert application.promised_due_date == date(2026, 10, 20)
    assert Application.objects.get(pk=later.pk).status == Status.SUBMITTED  # due Oct 16
    event = AuditEvent.objects.get(object_id=str(application.pk), object_type="applications.application",
                                   action="deemed_accept")
    assert (event.actor, event.actor_name, event.actor_role) == (None, "系统", "system")
    assert "第三十二条" in event.opinion
    steps = app_selectors.timeline(application)
    deemed = next(s for s in steps if s.what == "逾期视为受理")
    assert deemed.who == "系统" and deemed.system
    notice = Notice.objects.get(application=application)
    assert "视为受理" in notice.body_html and app_selectors.notices(application)[0]["id"] == str(notice.public_id)


def test_a_clerk_deciding_after_the_sweep_gets_a_conflict(applicant_user, clerk):
    application = move_submission_to(submitted_application(applicant_user),
                                     datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING))
    stale = Application.objects.get(pk=application.pk)
    intake_services.sweep_deemed_acceptance(today=date(2026, 10, 14))
    with pytest.raises(Conflict, match="已被他人处理"):
        intake_services.refuse(stale, clerk, reason="迟到的决定")


# --- claims, queue, withdrawal --------------------------------------------------------------------------------


def test_claims_are_exclusive_and_the_queue_is_oldest_first_with_days_left(applicant_user, clerk, make_user):
    item = make_item()
    old = move_submission_to(submitted_application(applicant_user, item=item), timezone.now() - timedelta(days=3))
    new = submitted_application(applicant_user, applicant=old.applicant, item=item)
    rows = intake_selectors.queue_rows(intake_selectors.intake_queue())
    assert [r.application.pk for r in rows] == [old.pk, new.pk]
    assert rows[1].days_left == clock.working_days_left(new.intake_due_date)
    intake_services.claim(new, clerk)
    other = make_user(Role.WINDOW_CLERK)
    with pytest.raises(Conflict, match="已由"):
        intake_services.claim(new, other)
    with pytest.raises(PermissionDenied, match="已由"):
        intake_services.accept(new, other)
    assert [r.application.pk for r in intake_selectors.queue_rows(intake_selectors.intake_queue(clerk=clerk, mine=True))] == [new.pk]
    intake_services.release(new, clerk)
    assert not IntakeClaim.objects.exists()
    intake_services.accept(new, other)


def test_withdrawal_after_acceptance_closes_the_cases(applicant_user, clerk):
    application = submitted_application(applicant_user, bundle=make_bundle())
    intake_services.accept(application, clerk)
    app_services.withdraw(Application.objects.get(pk=application.pk), applicant_user, "不再经营")
    # Until the outbox event is handled, the cases refuse work; then they are closed, once.
    case = ApprovalCase.objects.filter(application=application).first()
    with pytest.raises(Conflict, match="撤回"):
        case_services.claim_case(case, staff_person(Role.APPROVAL_OFFICER, "审批员", section=case.section))
    assert outbox.drain() == 1 and outbox.drain() == 0
    assert set(ApprovalCase.objects.filter(application=application).values_list("stage", flat=True)) == {Stage.WITHDRAWN}
    assert AuditEvent.objects.filter(action="case_withdrawn").count() == 2


def test_the_intake_queue_costs_the_same_few_queries_for_many_rows(applicant_user, clerk,
                                                                  django_assert_max_num_queries):
    item = make_item()
    first = submitted_application(applicant_user, item=item)
    for _ in range(6):
        submitted_application(applicant_user, applicant=first.applicant, item=item)
    intake_services.claim(first, clerk)
    clock.work_calendar()  # the calendar is cached per process, as in a running server
    with django_assert_max_num_queries(1):
        rows = intake_selectors.queue_rows(intake_selectors.intake_queue()[:20])
        assert len(rows) == 7 and rows[0].claimed_by == clerk


# --- a walk-in with materials missing ------------------------------------------------------------------------


def test_walk_in_with_missing_materials_is_taken_in_and_answered_with_one_supplement_notice(clerk, make_user):
    item = make_item()
    person, _created = app_services.find_or_register_walk_in(clerk, id_number=app_testing.citizen_id(serial=77),
                                                             name="李建国")
    application = app_services.start_application(clerk, person, item=item, channel="1")
    required = [m for m in application.materials.all() if m.asked and m.required]
    assert required
    complete_draft(application, clerk, skip=(required[0].name,))
    application = app_services.submit(application, clerk)
    assert application.status == Status.SUBMITTED and application.case_number

    intake_services.claim(application, clerk)
    with pytest.raises(DomainError):  # accepting needs every required material
        intake_services.accept(application, clerk)
    notice = intake_services.request_supplement(application, clerk, [(required[0], "未提交")])
    assert notice.kind == "supplement"
    assert Application.objects.get(pk=application.pk).status == Status.SUPPLEMENT_REQUESTED


def test_online_submission_still_needs_every_required_material(applicant_user):
    item = make_item()
    application = app_services.start_application(applicant_user, make_person(applicant_user), item=item)
    required = [m for m in application.materials.all() if m.asked and m.required]
    complete_draft(application, applicant_user, skip=(required[0].name,))
    with pytest.raises(DomainError) as refused:
        app_services.submit(application, applicant_user)
    assert required[0].name in refused.value.messages[0]
