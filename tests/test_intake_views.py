"""The window clerk's pages: queue, intake page with every outcome, walk-in, notices and files."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from applications import services as app_services
from applications.models import Applicant, Application, ApplicationMaterial, Commitment, Status
from applications.testing import (
    FORM_DATA,
    citizen_id,
    complete_draft,
    make_bundle,
    make_item,
    make_person,
    pdf_upload,
    submitted_application,
)
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase, IntakeClaim, Notice, Stage
from portal import clock
from portal.models import User
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def instant_clerk(make_user):
    user = make_user(Role.WINDOW_CLERK, real_name="窗口组长")
    user.user_permissions.add(Permission.objects.get(codename="decide_instant", content_type__app_label="approvals"))
    return user


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def intake_url(application, name=None):
    if name is None:
        return reverse("approvals:intake", args=[application.pk])
    return reverse("approvals:outcome", args=[application.pk, name])


def fresh(application):
    return Application.objects.get(pk=application.pk)


def page_text(response) -> str:
    return response.content.decode()


# --- permissions -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, applicant_user):
    application = submitted_application(applicant_user)
    for url in (reverse("approvals:queue"), intake_url(application), reverse("approvals:walk_in")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.APPROVAL_OFFICER, Role.AGENT, Role.DEPARTMENT_USER])
def test_other_roles_get_403_on_every_intake_page(client, make_user, applicant_user, role):
    application = submitted_application(applicant_user)
    client.force_login(make_user(role))
    for url in (reverse("approvals:queue"), intake_url(application), reverse("approvals:walk_in")):
        assert client.get(url).status_code == 403
    for name in ("accept", "refuse", "supplement"):
        assert client.post(intake_url(application, name), {"refuse-reason": "x"}).status_code == 403
    assert client.post(reverse("approvals:claim", args=[application.pk])).status_code == 403
    assert fresh(application).status == Status.SUBMITTED
    assert not IntakeClaim.objects.exists()


def test_the_applicant_cannot_open_the_intake_page_of_their_own_application(client, applicant_user):
    application = submitted_application(applicant_user)
    client.force_login(applicant_user)
    assert client.get(intake_url(application)).status_code == 403


def test_an_administrator_may_look_but_not_decide(client, make_user, applicant_user):
    application = submitted_application(applicant_user)
    client.force_login(make_user(Role.ADMINISTRATOR))
    response = client.get(intake_url(application))
    assert response.status_code == 200
    assert 'data-testid="outcomes"' not in page_text(response)
    assert client.get(reverse("approvals:queue")).status_code == 200
    assert client.post(intake_url(application, "accept")).status_code == 403
    assert fresh(application).status == Status.SUBMITTED


def test_drafts_and_unknown_applications_answer_404(clerk_client, applicant_user):
    draft = app_services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    assert clerk_client.get(intake_url(draft)).status_code == 404
    assert clerk_client.get(reverse("approvals:intake", args=[987654])).status_code == 404
    assert clerk_client.post(intake_url(draft, "accept")).status_code == 404
    assert clerk_client.post(reverse("approvals:outcome", args=[draft.pk, "approve-everything"])).status_code == 404


# --- the queue ---------------------------------------------------------------------------------------------


def _arrived(application, days_ago: int):
    moment = timezone.now() - timedelta(days=days_ago)
    Application.objects.filter(pk=application.pk).update(
        submitted_at=moment, received_at=moment, intake_due_date=clock.add_working_days(moment, 5))
    return fresh(application)


def test_the_queue_lists_submitted_applications_oldest_first_with_days_left(clerk_client, applicant_user,
                                                                            django_assert_max_num_queries):
    item = make_item()
    newer = submitted_application(applicant_user, item=item)
    older = _arrived(submitted_application(applicant_user, item=item), days_ago=10)
    app_services.start_application(applicant_user, make_person(applicant_user), item=item)  # a draft: not listed
    with django_assert_max_num_queries(10):
        response = clerk_client.get(reverse("approvals:queue"))
    assert response.status_code == 200
    text = page_text(response)
    assert text.index(older.case_number) < text.index(newer.case_number)
    assert text.count('data-testid="queue-row"') == 2
    left = clock.working_days_left(older.intake_due_date)
    assert left < 0 and "已超期" in text and 'class="tag red"' in text
    assert f"剩 {clock.working_days_left(newer.intake_due_date)} 个工作日" in text


def test_the_queue_has_a_bounded_number_of_queries_whatever_its_length(clerk_client, applicant_user, make_user,
                                                                       django_assert_max_num_queries):
    item = make_item()
    other_clerk = make_user(Role.WINDOW_CLERK)
    for n in range(12):
        application = submitted_application(applicant_user, item=item)
        if n % 2:
            intake_services.claim(application, other_clerk)
    with django_assert_max_num_queries(10):
        response = clerk_client.get(reverse("approvals:queue"))
    assert page_text(response).count('data-testid="queue-row"') == 12


def test_queue_filters_and_search(clerk_client, clerk, make_user, applicant_user):
    item = make_item()
    mine, theirs, free = (submitted_application(applicant_user, item=item) for _ in range(3))
    intake_services.claim(mine, clerk)
    intake_services.claim(theirs, make_user(Role.WINDOW_CLERK, real_name="李受理"))
    company_user = make_user(Role.APPLICANT, real_name="赵大海")
    other = submitted_application(company_user, make_person(company_user, name="赵大海"), item=item)

    def rows(**params):
        text = page_text(clerk_client.get(reverse("approvals:queue"), params))
        return {a.case_number for a in (mine, theirs, free, other) if a.case_number in text}

    assert rows(scope="mine") == {mine.case_number}
    assert rows(scope="claimed") == {mine.case_number, theirs.case_number}
    assert rows(scope="unclaimed") == {free.case_number, other.case_number}
    assert rows(q="赵大海") == {other.case_number}
    assert rows(q=free.case_number) == {free.case_number}
    empty = clerk_client.get(reverse("approvals:queue"), {"q": "没有这个申请人"})
    assert 'data-testid="queue-empty"' in page_text(empty) and "没有符合筛选条件" in page_text(empty)


def test_the_empty_queue_says_so(clerk_client):
    response = clerk_client.get(reverse("approvals:queue"))
    assert "受理队列为空" in page_text(response)


def test_the_queue_paginates(clerk_client, applicant_user):
    item = make_item()
    for _ in range(21):
        submitted_application(applicant_user, item=item)
    first = page_text(clerk_client.get(reverse("approvals:queue")))
    second = page_text(clerk_client.get(reverse("approvals:queue"), {"page": 2}))
    assert first.count('data-testid="queue-row"') == 20 and second.count('data-testid="queue-row"') == 1
    assert "第 1 / 2 页" in first


def test_claim_and_release_from_the_queue(clerk_client, clerk, make_user, applicant_user):
    application = submitted_application(applicant_user)
    response = clerk_client.post(reverse("approvals:claim", args=[application.pk]))
    assert response.status_code == 302 and response["Location"] == intake_url(application)
    assert IntakeClaim.objects.get(application=application).clerk == clerk
    response = clerk_client.post(reverse("approvals:release", args=[application.pk]), follow=True)
    assert not IntakeClaim.objects.exists() and "已释放" in page_text(response)
    intake_services.claim(application, make_user(Role.WINDOW_CLERK, real_name="李受理"))
    response = clerk_client.post(reverse("approvals:claim", args=[application.pk]), follow=True)
    assert "已由 李受理 认领" in page_text(response)
    assert IntakeClaim.objects.get(application=application).clerk.real_name == "李受理"


# --- the intake page and its outcomes ---------------------------------------------------------------------


def test_the_intake_page_shows_everything_the_clerk_decides_on(clerk_client, applicant_user,
                                                              django_assert_max_num_queries):
    application = submitted_application(applicant_user, item=make_item(statutory=20, promised=8))
    with django_assert_max_num_queries(20):
        response = clerk_client.get(intake_url(application))
    text = page_text(response)
    assert response.status_code == 200
    assert application.case_number in text and "张丽华" in text
    assert FORM_DATA["project_name"] in text and "食品经营许可" in text
    plan = application.materials.get(name="经营场所平面图").files.get()
    assert reverse("approvals:file", args=[plan.public_id]) in text
    assert "部门共享获取" in text  # 营业执照 is obtained by data sharing
    promised = clock.add_working_days(timezone.now(), 8)
    assert f"{promised.year}年{promised.month}月{promised.day}日" in text
    for label in ("受理", "一次性告知补正", "不予受理"):
        assert f">{label}</button>" in text
    assert 'data-testid="outcome-instant"' not in text and 'data-testid="outcome-tolerance"' not in text


def test_the_intake_page_of_a_bundle_has_bounded_queries(clerk_client, applicant_user, django_assert_max_num_queries):
    application = submitted_application(applicant_user, bundle=make_bundle())
    with django_assert_max_num_queries(20):
        response = clerk_client.get(intake_url(application))
    assert response.status_code == 200 and "公共场所卫生许可" in page_text(response)


def test_accept_through_the_page_shows_the_acceptance_notice(clerk_client, clerk, applicant_user):
    application = submitted_application(applicant_user, item=make_item(statutory=20, promised=8))
    response = clerk_client.post(intake_url(application, "accept"), {"accept-opinion": "材料齐全"})
    notice = Notice.objects.get(application=application)
    assert response.status_code == 302 and response["Location"] == reverse("approvals:notice", args=[notice.public_id])
    application = fresh(application)
    assert application.status == Status.ACCEPTED
    assert ApprovalCase.objects.get(application=application).accepted_by == clerk
    page = clerk_client.get(response["Location"])
    text = page_text(page)
    due = application.promised_due_date
    assert "受理通知书" in text and notice.number in text and f"{due.year}年{due.month}月{due.day}日" in text
    assert "已受理，受理通知书已出具" in text
    # The intake page now shows the notice and the case, and no outcome forms.
    after = page_text(clerk_client.get(intake_url(application)))
    assert notice.number in after and 'data-testid="outcomes"' not in after and 'data-testid="cases"' in after


def test_accept_with_a_missing_material_shows_the_services_message(clerk_client, applicant_user):
    application = submitted_application(applicant_user)
    ApplicationMaterial.objects.get(application=application, name="经营场所平面图").files.all().delete()
    text = page_text(clerk_client.get(intake_url(application)))
    assert "以下必要材料尚未提交" in text
    response = clerk_client.post(intake_url(application, "accept"))
    assert response.status_code == 400  # a rule refused it: the page comes back with the service's message
    assert "不能直接受理" in page_text(response) and "经营场所平面图" in page_text(response)
    assert fresh(application).status == Status.SUBMITTED


def test_supplement_through_the_page_issues_one_notice_listing_everything(clerk_client, applicant_user):
    application = submitted_application(applicant_user)
    plan = application.materials.get(name="经营场所平面图")
    form = application.materials.get(name="食品经营许可申请书")
    response = clerk_client.post(intake_url(application, "supplement"), {
        f"supplement-m{plan.pk}": "on", f"supplement-r{plan.pk}": "未标注各功能区面积",
        f"supplement-m{form.pk}": "on", f"supplement-r{form.pk}": "缺少法定代表人签字",
        "supplement-extra": "从业人员健康证明：现场发现需补充\n\n",
        "supplement-note": "请一次性补齐",
    })
    assert response.status_code == 302
    notices = list(Notice.objects.filter(application=application))
    assert len(notices) == 1 and notices[0].kind == Notice.Kind.SUPPLEMENT
    body = notices[0].body_html
    for text in ("未标注各功能区面积", "缺少法定代表人签字", "从业人员健康证明", "现场发现需补充"):
        assert text in body
    assert fresh(application).status == Status.SUPPLEMENT_REQUESTED


def test_supplement_validation_messages(clerk_client, applicant_user):
    application = submitted_application(applicant_user)
    plan = application.materials.get(name="经营场所平面图")
    nothing = clerk_client.post(intake_url(application, "supplement"), {})
    assert nothing.status_code == 200 and "请至少勾选一项需要补正的材料并写明原因" in page_text(nothing)
    no_reason = clerk_client.post(intake_url(application, "supplement"), {f"supplement-m{plan.pk}": "on"})
    assert "请写明“经营场所平面图”需要补正的原因" in page_text(no_reason)
    bad_line = clerk_client.post(intake_url(application, "supplement"), {"supplement-extra": "只有名称没有原因"})
    assert "第 1 行应为“材料名称：补正原因”" in page_text(bad_line)
    past = clerk_client.post(intake_url(application, "supplement"), {
        f"supplement-m{plan.pk}": "on", f"supplement-r{plan.pk}": "不清晰",
        "supplement-due_date": (clock.today() - timedelta(days=1)).isoformat()})
    assert "补正期限应晚于今天" in page_text(past)
    assert fresh(application).status == Status.SUBMITTED and not Notice.objects.exists()


def test_refuse_needs_a_reason_and_names_the_body_to_turn_to(clerk_client, applicant_user):
    application = submitted_application(applicant_user)
    response = clerk_client.post(intake_url(application, "refuse"), {"refuse-reason": "  "})
    assert response.status_code == 200 and "请写明不予受理的理由" in page_text(response)
    assert fresh(application).status == Status.SUBMITTED
    response = clerk_client.post(intake_url(application, "refuse"), {
        "refuse-reason": "申请事项依法不需要取得行政许可", "refuse-refer_to": "宝塔区卫生健康局"})
    assert response.status_code == 302
    notice = Notice.objects.get(application=application)
    assert notice.kind == Notice.Kind.REFUSAL and "宝塔区卫生健康局" in notice.body_html
    assert fresh(application).status == Status.REFUSED


def walk_in_with_tolerance(clerk, item):
    """A walk-in application whose tolerable material is missing (容缺 asked for at the window)."""
    applicant, _ = app_services.find_or_register_walk_in(clerk, id_number=citizen_id(), name="张丽华")
    application = app_services.start_application(clerk, applicant, item=item, channel="1")
    complete_draft(application, clerk, skip=("经营场所平面图",))
    app_services.request_tolerance(application, application.materials.get(name="经营场所平面图"), clerk, True)
    return app_services.submit(application, clerk)


def test_tolerance_through_the_page(clerk_client, clerk):
    application = walk_in_with_tolerance(clerk, make_item(tolerance=True, promised=10))
    plan = application.materials.get(name="经营场所平面图")
    text = page_text(clerk_client.get(intake_url(application)))
    assert 'data-testid="outcome-tolerance"' in text and "不得晚于承诺办结日期" in text
    # Only tolerable materials are offered.
    assert text.count('data-testid="tolerance-row"') == 1
    latest = clock.add_working_days(timezone.now(), 10)
    too_late = clerk_client.post(intake_url(application, "tolerance"), {
        f"tolerance-t{plan.pk}": "on", f"tolerance-d{plan.pk}": (latest + timedelta(days=1)).isoformat(),
        "tolerance-paper_signatory": "张丽华"})
    assert "补交期限不能晚于承诺办结日期" in page_text(too_late)
    unsigned = clerk_client.post(intake_url(application, "tolerance"), {f"tolerance-t{plan.pk}": "on"})
    assert "申请人尚未签署容缺受理承诺书" in page_text(unsigned)
    assert fresh(application).status == Status.SUBMITTED
    response = clerk_client.post(intake_url(application, "tolerance"), {
        f"tolerance-t{plan.pk}": "on", "tolerance-paper_signatory": "张丽华"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.tolerance_due_date == latest  # the default: the promised completion date
    commitment = Commitment.objects.get(application=application)
    assert commitment.method == Commitment.Method.PAPER and commitment.signatory_name == "张丽华"
    assert Notice.objects.get(application=application).kind == Notice.Kind.TOLERANCE
    assert fresh(application).status == Status.ACCEPTED


def test_tolerance_needs_a_ticked_material(clerk_client, clerk):
    application = walk_in_with_tolerance(clerk, make_item(tolerance=True))
    response = clerk_client.post(intake_url(application, "tolerance"), {"tolerance-paper_signatory": "张丽华"})
    assert "请勾选容缺的材料" in page_text(response)


def test_commitment_through_the_page_and_deciding_at_once_needs_the_permission(client, clerk, instant_clerk,
                                                                               applicant_user):
    application = submitted_application(applicant_user, item=make_item(commitment=True))
    client.force_login(clerk)
    text = page_text(client.get(intake_url(application)))
    assert 'data-testid="commitment-text"' in text and "本人承诺已经符合上述条件" in text
    assert "当场办结（当场作出准予许可决定）" not in text  # no permission: no option
    response = client.post(intake_url(application, "commitment"), {
        "commitment-paper_signatory": "张丽华", "commitment-decide_now": "on"})
    assert "您没有当场作出审批决定的权限" in page_text(response)
    assert fresh(application).status == Status.SUBMITTED
    client.force_login(instant_clerk)
    assert "当场办结（当场作出准予许可决定）" in page_text(client.get(intake_url(application)))
    response = client.post(intake_url(application, "commitment"), {
        "commitment-paper_signatory": "张丽华", "commitment-decide_now": "on"})
    assert response.status_code == 302
    kinds = list(Notice.objects.filter(application=application).order_by("id").values_list("kind", flat=True))
    assert kinds == [Notice.Kind.COMMITMENT, Notice.Kind.INSTANT_DECISION]
    assert response["Location"] == reverse("approvals:notice", args=[Notice.objects.order_by("id").last().public_id])
    case = ApprovalCase.objects.get(application=application)
    assert case.by_commitment and case.stage == Stage.APPROVED
    assert fresh(application).status == Status.DECIDED


def test_commitment_form_is_absent_when_the_item_does_not_allow_it(clerk_client, applicant_user):
    application = submitted_application(applicant_user)
    assert 'data-testid="outcome-commitment"' not in page_text(clerk_client.get(intake_url(application)))
    response = clerk_client.post(intake_url(application, "commitment"), {"commitment-paper_signatory": "张丽华"})
    assert "该事项不适用告知承诺制" in page_text(response)


def test_instant_items_are_decided_by_a_clerk_with_the_permission_only(client, clerk, instant_clerk, applicant_user):
    application = submitted_application(applicant_user, item=make_item(instant=True))
    client.force_login(clerk)
    assert 'data-testid="outcome-instant"' not in page_text(client.get(intake_url(application)))
    response = client.post(intake_url(application, "instant"))
    assert "您没有当场办结即办件的权限" in page_text(response)
    client.force_login(instant_clerk)
    assert 'data-testid="outcome-instant"' in page_text(client.get(intake_url(application)))
    response = client.post(intake_url(application, "instant"), {"instant-opinion": "当场准予"})
    assert response.status_code == 302
    assert fresh(application).status == Status.DECIDED
    assert Notice.objects.filter(application=application, kind=Notice.Kind.INSTANT_DECISION).exists()


def test_an_application_claimed_by_another_clerk_cannot_be_decided(clerk_client, make_user, applicant_user):
    application = submitted_application(applicant_user)
    intake_services.claim(application, make_user(Role.WINDOW_CLERK, real_name="李受理"))
    text = page_text(clerk_client.get(intake_url(application)))
    assert 'data-testid="outcomes"' not in text and "该申请已由 李受理 认领" in text
    response = clerk_client.post(intake_url(application, "accept"))
    assert "该申请已由 李受理 认领，请勿重复处理" in page_text(response)
    assert fresh(application).status == Status.SUBMITTED


def test_a_stale_page_gets_a_clear_message(clerk_client, clerk, applicant_user):
    application = submitted_application(applicant_user)
    intake_services.refuse(application, clerk, reason="不属于本机关职权范围")
    response = clerk_client.post(intake_url(application, "accept"))
    assert response.status_code == 409  # someone else decided first: the page comes back with why
    assert "不能作出受理决定" in page_text(response)


# --- notices and files -----------------------------------------------------------------------------------


def test_the_notice_is_visible_to_staff_and_the_applicant_only(client, clerk, make_user, applicant_user,
                                                                django_assert_max_num_queries):
    application = submitted_application(applicant_user)
    notice = intake_services.accept(application, clerk)
    url = reverse("approvals:notice", args=[notice.public_id])
    client.force_login(applicant_user)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200 and notice.number in page_text(response) and "打印" in page_text(response)
    client.force_login(make_user(Role.APPLICANT))
    assert client.get(url).status_code == 404
    outsider = make_user(Role.APPROVAL_OFFICER)  # an officer of no section of this application's cases
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    ApprovalCase.objects.get(application=application).section.members.add(outsider)
    client.force_login(User.objects.get(pk=outsider.pk))
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_staff_open_uploaded_files_through_the_checked_view(client, clerk, applicant_user):
    application = submitted_application(applicant_user)
    uploaded = application.files.first()
    url = reverse("approvals:file", args=[uploaded.public_id])
    client.force_login(clerk)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(applicant_user)
    assert client.get(url).status_code == 404  # the office view is for staff; applicants have their own
    client.force_login(clerk)
    assert client.get(reverse("approvals:file", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


# --- walk-in ----------------------------------------------------------------------------------------------


def test_walk_in_finds_items_and_bundles(clerk_client):
    make_item("食品经营许可")
    make_item("公共场所卫生许可", materials=["申请表"])
    bundle = make_bundle(items=[make_item("食品经营许可", materials=["申请书"])], title="我要开饭店")
    text = page_text(clerk_client.get(reverse("approvals:walk_in"), {"q": "卫生"}))
    assert "公共场所卫生许可" in text and text.count('data-testid="item-result"') == 1
    text = page_text(clerk_client.get(reverse("approvals:walk_in"), {"q": "饭店"}))
    assert "我要开饭店" in text
    chosen = page_text(clerk_client.get(reverse("approvals:walk_in"), {"target": f"bundle:{bundle.pk}"}))
    assert 'data-testid="chosen-target">我要开饭店<' in chosen
    nothing = page_text(clerk_client.get(reverse("approvals:walk_in"), {"q": "不存在的事项名"}))
    assert "没有找到" in nothing


def test_walk_in_start_checks_the_id_number_and_registers_a_new_person(clerk_client, clerk):
    item = make_item()
    url = reverse("approvals:walk_in")
    bad = clerk_client.post(url, {"target": f"item:{item.pk}", "id_number": "610602199003150000"})
    assert bad.status_code == 200 and "证件号码无效" in page_text(bad)
    unknown = clerk_client.post(url, {"target": f"item:{item.pk}", "id_number": citizen_id()})
    assert "未找到该申请人，请填写姓名或名称以登记" in page_text(unknown)
    no_target = clerk_client.post(url, {"id_number": citizen_id(), "name": "王大妈"})
    assert "请先选择要申请的事项或一件事" in page_text(no_target)
    number = citizen_id()
    response = clerk_client.post(url, {"target": f"item:{item.pk}", "id_number": number, "name": "王大妈",
                                       "contact_mobile": "13900000009"})
    application = Application.objects.get(applicant__id_number=number)
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:walk_in_fill", args=[application.pk])
    assert application.channel == "1" and application.filed_by == clerk and application.status == Status.DRAFT
    assert Applicant.objects.get(id_number=number).created_by == clerk
    # The same person again is found, not registered twice.
    clerk_client.post(url, {"target": f"item:{item.pk}", "id_number": number})
    assert Applicant.objects.filter(id_number=number).count() == 1
    assert Application.objects.filter(applicant__id_number=number).count() == 2


def test_walk_in_fill_upload_and_submit_for_a_decision_now(clerk_client, clerk):
    bundle = make_bundle()
    applicant, _ = app_services.find_or_register_walk_in(clerk, id_number=citizen_id(), name="王大妈")
    application = app_services.start_application(clerk, applicant, bundle=bundle, channel="1")
    url = reverse("approvals:walk_in_fill", args=[application.pk])
    page = page_text(clerk_client.get(url))
    assert "项目或经营名称" in page and "场所类型" in page  # the bundle's merged form
    # Submitting an incomplete form keeps the clerk on the page with the messages.
    response = clerk_client.post(url, {"action": "submit_now", "project_name": "王大妈饭店"})
    assert response.status_code == 200 and "请填写项目或经营场所地址" in page_text(response)
    assert fresh(application).status == Status.DRAFT
    assert fresh(application).form_data["project_name"] == "王大妈饭店"  # saved as a draft anyway
    for material in application.materials.all():
        if material.asked:
            response = clerk_client.post(reverse("approvals:walk_in_upload", args=[application.pk]),
                                         {"material": material.pk, "file": pdf_upload(f"{material.name}.pdf")})
            assert response.status_code == 302
    bad = clerk_client.post(reverse("approvals:walk_in_upload", args=[application.pk]), {
        "material": application.materials.filter(source="applicant").first().pk,
        "file": pdf_upload("假的.pdf", content=b"MZ not a pdf")}, follow=True)
    assert "不是可接受的格式" in page_text(bad)
    response = clerk_client.post(url, {"action": "submit_now", **FORM_DATA})
    application = fresh(application)
    assert response.status_code == 302 and response["Location"] == intake_url(application)
    assert application.status == Status.SUBMITTED and application.case_number
    assert IntakeClaim.objects.get(application=application).clerk == clerk
    accepted = clerk_client.post(intake_url(application, "accept"))
    assert accepted.status_code == 302
    assert ApprovalCase.objects.filter(application=application).count() == 2


def test_walk_in_submit_later_leaves_it_in_the_queue(clerk_client, clerk):
    item = make_item(materials=["申请书"])
    applicant, _ = app_services.find_or_register_walk_in(clerk, id_number=citizen_id(), name="王大妈")
    application = app_services.start_application(clerk, applicant, item=item, channel="1")
    material = application.materials.get()
    clerk_client.post(reverse("approvals:walk_in_upload", args=[application.pk]),
                      {"material": material.pk, "file": pdf_upload()})
    response = clerk_client.post(reverse("approvals:walk_in_fill", args=[application.pk]),
                                 {"action": "submit_later", **FORM_DATA})
    assert response.status_code == 302 and response["Location"] == reverse("approvals:queue")
    assert not IntakeClaim.objects.exists()
    assert fresh(application).case_number in page_text(clerk_client.get(reverse("approvals:queue")))


def test_another_clerks_walk_in_draft_is_editable_but_an_online_draft_is_not(clerk_client, make_user, applicant_user):
    other = make_user(Role.WINDOW_CLERK)
    applicant, _ = app_services.find_or_register_walk_in(other, id_number=citizen_id(), name="王大妈")
    walk_in = app_services.start_application(other, applicant, item=make_item(), channel="1")
    assert clerk_client.get(reverse("approvals:walk_in_fill", args=[walk_in.pk])).status_code == 200
    online = app_services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    assert clerk_client.get(reverse("approvals:walk_in_fill", args=[online.pk])).status_code == 404
    assert clerk_client.get(intake_url(walk_in)).status_code == 302  # a window draft goes to its form


def test_walk_in_registers_an_enterprise_with_its_legal_representative(clerk_client):
    from applications.testing import credit_code

    item = make_item()
    code = credit_code()
    url = reverse("approvals:walk_in")
    missing = clerk_client.post(url, {"target": f"item:{item.pk}", "id_number": code, "name": "延安丽华餐饮有限公司"})
    assert "登记企业时请填写法定代表人" in page_text(missing)
    response = clerk_client.post(url, {"target": f"item:{item.pk}", "id_number": code, "name": "延安丽华餐饮有限公司",
                                       "legal_representative": "张丽华"})
    assert response.status_code == 302
    applicant = Applicant.objects.get(id_number=code)
    assert applicant.kind == Applicant.Kind.ENTERPRISE and applicant.legal_representative == "张丽华"


def test_walk_in_pages_have_bounded_queries(clerk_client, clerk, django_assert_max_num_queries):
    for n in range(15):
        make_item(f"测试事项{n}", materials=["申请书"])
    bundle = make_bundle()
    with django_assert_max_num_queries(12):
        response = clerk_client.get(reverse("approvals:walk_in"))
    assert page_text(response).count('data-testid="item-result"') == 10  # paginated
    assert "第 1 / 2 页" in page_text(response)
    applicant, _ = app_services.find_or_register_walk_in(clerk, id_number=citizen_id(), name="王大妈")
    application = app_services.start_application(clerk, applicant, bundle=bundle, channel="1")
    with django_assert_max_num_queries(16):
        response = clerk_client.get(reverse("approvals:walk_in_fill", args=[application.pk]))
    assert response.status_code == 200
