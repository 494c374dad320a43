"""The approval officers' pages: stage queues with take-next, the case page and its stage actions, site visits
with evidence, extension requests for heads, the leader's overview; permissions, 404s, conflicts, query counts."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, Status
from applications.testing import JPEG_BYTES, PNG_BYTES
from approvals.cases import services as case_services
from approvals.models import ApprovalCase, ExtensionRequest, Inspection, Stage
from approvals.testing import Flow, make_person, record_and_cosign, make_warned, visit_day_arrives
from catalog.testing import make_section
from portal import clock
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(db):
    return Flow.build()


def as_user(client, user):
    client.force_login(user)
    return client


def case_url(case, action=None):
    if action is None:
        return reverse("approvals:case", args=[case.pk])
    return reverse(f"approvals:case_{action}", args=[case.pk])


def fresh(case) -> ApprovalCase:
    return ApprovalCase.objects.get(pk=case.pk)


def text(response) -> str:
    return response.content.decode()


def other_section_officer():
    return make_person(Role.APPROVAL_OFFICER, "外科室", section=make_section())


# --- queues --------------------------------------------------------------------------------------------------------


def test_queue_lists_the_sections_cases_most_urgent_first_with_working_days_left(client, flow):
    late, soon, calm = flow.case(), flow.case(), flow.case()
    make_warned(late, "red")
    make_warned(soon, "yellow")
    elsewhere = Flow.build(make_section()).case()
    response = as_user(client, flow.reviewer).get(reverse("approvals:case_queue"))
    assert response.status_code == 200
    body = text(response)
    order = [body.index(f'data-case="{c.pk}"') for c in (late, soon, calm)]
    assert order == sorted(order)
    assert f'data-case="{elsewhere.pk}"' not in body
    assert 'data-colour="red"' in body and 'data-colour="yellow"' in body
    days = clock.working_days_left(calm.promised_due_date)
    assert f"承诺时限剩 {days} 个工作日" in body and "法定时限剩" in body
    assert "取下一件" in body


def test_queue_filters_and_empty_states(client, flow):
    case = flow.case()
    c = as_user(client, flow.reviewer)
    assert "当前没有待办案件" in text(c.get(reverse("approvals:case_queue") + "?stage=decision"))
    assert "没有符合筛选条件的案件" in text(c.get(reverse("approvals:case_queue") + "?stage=review&scope=mine"))
    case_services.take_next(flow.reviewer, "review")
    mine = text(c.get(reverse("approvals:case_queue") + "?stage=review&scope=mine"))
    assert f'data-case="{case.pk}"' in mine
    waiting = text(c.get(reverse("approvals:case_queue") + "?stage=review&scope=waiting"))
    assert f'data-case="{case.pk}"' not in waiting
    assert f'data-case="{case.pk}"' in text(c.get(reverse("approvals:case_mine")))


def test_queue_query_count_does_not_grow_with_rows_and_pages(client, flow, django_assert_max_num_queries):
    for _ in range(3):
        flow.case()
    as_user(client, flow.reviewer)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("approvals:case_queue")).status_code == 200
    for _ in range(22):
        flow.case()
    with django_assert_max_num_queries(10):
        response = client.get(reverse("approvals:case_queue"))
    assert response.content.decode().count('data-testid="case-row"') == 20
    assert "第 1 / 2 页" in response.content.decode()


def test_applicants_and_clerks_are_refused_the_officers_pages(client, flow):
    case = flow.case()
    for user in (flow.applicant_user, flow.clerk):
        as_user(client, user)
        assert client.get(reverse("approvals:case_queue")).status_code == 403
        assert client.get(case_url(case)).status_code == 403
        assert client.post(case_url(case, "claim"), {"version": case.version}).status_code == 403
    client.logout()
    assert client.get(reverse("approvals:case_queue")).status_code == 302  # to the sign-in page


def test_legal_reviewer_sees_only_the_legal_review_queue(client, flow):
    as_user(client, flow.legal)
    response = client.get(reverse("approvals:case_queue"))
    assert response.status_code == 200 and 'data-stage="legal_review"' in text(response)
    assert client.get(reverse("approvals:case_queue") + "?stage=review").status_code == 403


def test_take_next_claims_the_most_urgent_case_and_two_officers_get_different_ones(client, flow):
    first, second = flow.case(), flow.case()
    make_warned(second, "red")
    response = as_user(client, flow.reviewer).post(reverse("approvals:case_take_next"), {"stage": "review"})
    assert response.status_code == 302 and response["Location"] == case_url(second)
    other = make_person(Role.APPROVAL_OFFICER, "另一审查", section=flow.section)
    response = as_user(client, other).post(reverse("approvals:case_take_next"), {"stage": "review"})
    assert response["Location"] == case_url(first)
    assert (fresh(second).assignee, fresh(first).assignee) == (flow.reviewer, other)
    response = client.post(reverse("approvals:case_take_next"), {"stage": "review"}, follow=True)
    assert "队列中暂无您可以认领的案件" in text(response)


# --- the case page ---------------------------------------------------------------------------------------------------


def test_case_page_shows_summary_rules_materials_clock_and_history(client, flow, django_assert_max_num_queries):
    case = flow.case(inspection=True, legal=True)
    as_user(client, flow.reviewer)
    with django_assert_max_num_queries(20):  # the warnings of its history and its people are one query each
        response = client.get(case_url(case))
    assert response.status_code == 200
    body = text(response)
    application = case.application
    assert application.case_number in body and "张丽华" in body
    assert "法定 20 个工作日，承诺 10 个工作日" in body and "需要（重大行政许可决定）" in body
    assert case.promised_due_date.strftime("%Y-%m-%d") in body and case.statutory_due_date.strftime("%Y-%m-%d") in body
    assert "受理，案件生成" in body  # the audit timeline
    file = application.materials.filter(files__isnull=False).first().files.first()
    assert reverse("approvals:file", args=[file.public_id]) in body
    assert 'data-testid="action-review"' in body and 'name="review-version"' in body


def test_the_case_page_history_shows_the_warnings_the_sweep_sent(client, flow):
    from approvals import timers

    case = flow.case()
    assert timers.sweep_timers(case.yellow_from) == 1
    as_user(client, flow.head)
    body = text(client.get(case_url(case)))
    assert "时限预警" in body and f"黄色预警（承诺办结日期 {case.promised_due_date.isoformat()}）" in body


def test_case_of_another_section_is_404_for_page_actions_and_evidence(client, flow):
    case = flow.case()
    stranger = other_section_officer()
    as_user(client, stranger)
    assert client.get(case_url(case)).status_code == 404
    assert client.post(case_url(case, "claim"), {"version": case.version}).status_code == 404
    assert client.post(case_url(case, "review"), {"review-opinion": "x", "review-version": 0}).status_code == 404
    assert fresh(case).assignee is None


def test_review_through_the_page_moves_the_case_and_records_the_opinion(client, flow):
    case = flow.case(inspection=True)
    c = as_user(client, flow.reviewer)
    response = c.post(case_url(case, "review"), {"review-opinion": "", "review-version": case.version})
    assert response.status_code == 400 and "请填写审查意见" in text(response)
    response = c.post(case_url(case, "review"), {"review-opinion": "材料齐全，需现场核查",
                                                 "review-version": case.version}, follow=True)
    assert "审查完成，案件已转入“现场勘验”环节" in text(response)
    case = fresh(case)
    assert case.stage == Stage.INSPECTION and case.reviewer == flow.reviewer
    assert "材料齐全，需现场核查" in text(response)


def test_a_stale_version_gets_the_conflict_message_and_changes_nothing(client, flow):
    case = flow.case()
    seen = case.version
    case_services.take_next(flow.reviewer, "review")  # someone acted first: the version moved on
    other = make_person(Role.APPROVAL_OFFICER, "另一审查", section=flow.section)
    response = as_user(client, other).post(case_url(case, "review"), {"review-opinion": "同意",
                                                                      "review-version": seen})
    assert response.status_code == 409
    assert "已被他人处理" in text(response) and "请刷新" in text(response)
    case = fresh(case)
    assert case.assignee == flow.reviewer and case.reviewer is None


def test_two_officers_posting_the_same_form_one_succeeds_one_sees_the_conflict(client, flow):
    case = flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    case_services.complete_review(case, flow.reviewer, "同意")
    case = fresh(case)
    certifier2 = make_person(Role.APPROVAL_OFFICER, "另一决定", section=flow.section)
    payload = {"version": case.version}
    first = as_user(client, flow.certifier).post(case_url(case, "claim"), payload)
    assert first.status_code == 302
    second = as_user(client, certifier2).post(case_url(case, "claim"), payload)
    assert second.status_code == 409 and "已被他人处理" in text(second)
    assert fresh(case).assignee == flow.certifier


def test_separation_of_duties_is_shown_and_refused_on_the_page(client, flow):
    case = flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    case = case_services.complete_review(case, flow.reviewer, "同意")
    c = as_user(client, flow.reviewer)
    page = text(c.get(case_url(case)))
    assert 'data-testid="separation"' in page and "四分离" in page
    assert 'data-testid="action-decide"' not in page
    response = c.post(case_url(case, "decide"), {"decide-version": case.version, "decide-result": "deny",
                                                 "decide-reasons": "不符合条件"})
    assert response.status_code == 400 and "四分离" in text(response)
    assert fresh(case).stage == Stage.DECISION


def test_merged_inspection_rectify_with_evidence_reinspection_legal_review_and_decisions(client, flow):
    """The whole path through the pages for a bundle of two items at one site."""
    items = [flow.item(inspection=True, legal=True, name="公共场所卫生许可"), flow.item(inspection=True, name="食品经营许可")]
    from applications import testing as app_testing

    application = flow.accepted(bundle=app_testing.make_bundle("我要开饭店", items))
    first, second = ApprovalCase.objects.filter(application=application).order_by("id")
    c = as_user(client, flow.reviewer)
    for case in (first, second):
        c.post(reverse("approvals:case_take_next"), {"stage": "review"})
        case = fresh(case)
        assert c.post(case_url(case, "review"), {"review-opinion": "同意", "review-version": case.version}).status_code == 302
    # Inspector 1 takes the first and plans one visit for both (merged), with inspector 2.
    c = as_user(client, flow.inspector1)
    c.post(reverse("approvals:case_take_next"), {"stage": "inspection"})
    taken = ApprovalCase.objects.get(assignee=flow.inspector1)
    page = text(c.get(case_url(taken)))
    assert "合并勘验" in page and str(flow.reviewer) not in page.split('data-field="inspect-inspectors"')[1][:600]
    other = second if taken.pk == first.pk else first
    response = c.post(case_url(taken, "inspect"), {
        "inspect-scheduled_on": clock.today().isoformat(), "inspect-place": "宝塔区枣园路 8 号",
        "inspect-inspectors": [flow.inspector1.pk, flow.inspector2.pk], "inspect-others": [other.pk]}, follow=True)
    assert "已安排" in text(response) and "（2 件）" in text(response)
    visit = Inspection.objects.get()
    assert set(visit.cases.all()) == {first, second}
    # Inspector 2 records a rectification with a photo; a bad file is refused in Chinese.
    c = as_user(client, flow.inspector2)
    result_url = reverse("approvals:case_inspection_result", args=[visit.pk])
    bad = c.post(result_url, {"case": taken.pk, "result-outcome": "rectify", "result-findings": "后厨排烟不达标",
                              "result-rectify_deadline": (clock.today() + timedelta(days=7)).isoformat(),
                              "result-evidence": SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 10)})
    assert bad.status_code == 400
    response = c.post(result_url, {"case": taken.pk, "result-outcome": "rectify", "result-findings": "后厨排烟不达标",
                                   "result-rectify_deadline": (clock.today() + timedelta(days=7)).isoformat(),
                                   "result-evidence": [SimpleUploadedFile("现场1.jpg", JPEG_BYTES),
                                                       SimpleUploadedFile("现场2.png", PNG_BYTES)]}, follow=True)
    assert "已记录勘验结果：限期整改" in text(response)
    visit.refresh_from_db()
    assert visit.outcome == "" and visit.proposed_outcome == "rectify" and visit.evidence.count() == 2
    # Inspector 1 co-signs (会签): only now the result takes effect.
    response = as_user(client, flow.inspector1).post(reverse("approvals:case_inspection_cosign", args=[visit.pk]),
                                                     {"case": taken.pk, "cosign-decision": "cosign"}, follow=True)
    assert "已会签" in text(response)
    c = as_user(client, flow.inspector2)
    visit.refresh_from_db()
    assert visit.outcome == "rectify" and visit.cosigned_by == flow.inspector1
    evidence = visit.evidence.first()
    assert c.get(reverse("approvals:case_evidence", args=[evidence.public_id])).status_code == 200
    as_user(client, other_section_officer())
    assert client.get(reverse("approvals:case_evidence", args=[evidence.public_id])).status_code == 404
    # The scheduler plans the re-inspection; inspector 1 records the pass.
    c = as_user(client, flow.inspector1)
    assert 'data-testid="action-reinspect"' in text(c.get(case_url(taken)))
    response = c.post(reverse("approvals:case_reinspect", args=[visit.pk]),
                      {"case": taken.pk, "reinspect-scheduled_on": clock.today().isoformat()}, follow=True)
    assert "已安排" in text(response) and "复查" in text(response)
    again = Inspection.objects.get(reinspection_of=visit)
    c.post(reverse("approvals:case_inspection_result", args=[again.pk]),
           {"case": taken.pk, "result-outcome": "pass", "result-findings": "已整改到位"})
    assert (fresh(first).stage, fresh(second).stage) == (Stage.INSPECTION, Stage.INSPECTION)  # awaits 会签
    as_user(client, flow.inspector2).post(reverse("approvals:case_inspection_cosign", args=[again.pk]),
                                          {"case": taken.pk, "cosign-decision": "cosign"})
    assert (fresh(first).stage, fresh(second).stage) == (Stage.DECISION, Stage.DECISION)
    # The certifier decides both: the flagged one's decision is a draft for legal review, the other is issued.
    c = as_user(client, flow.certifier)
    for case, said in ((first, "决定草稿已提交法制审核"), (second, "已作出准予许可决定")):
        case = fresh(case)
        page = text(c.get(case_url(case)))
        assert "行政复议" in page and 'value="张丽华"' in page  # appeal rights shown; holder pre-filled
        response = c.post(case_url(case, "decide"), {
            "decide-version": case.version, "decide-result": "approve", "decide-holder_name": "张丽华",
            "decide-scope": "热食类食品制售", "decide-valid_from": clock.today().isoformat(),
            "decide-certificate_name": "许可证"}, follow=True)
        assert said in text(response)
    assert (fresh(first).stage, fresh(second).stage) == (Stage.LEGAL_REVIEW, Stage.APPROVED)
    c = as_user(client, flow.legal)
    first = fresh(first)
    page = text(c.get(case_url(first)))
    assert 'data-testid="decision-draft"' in page and "热食类食品制售" in page
    response = c.post(case_url(first, "legal"), {"legal-version": first.version, "legal-result": "return"})
    assert response.status_code == 400 and "退回须写明审核意见" in text(response)
    response = c.post(case_url(first, "legal"), {"legal-version": first.version, "legal-result": "approve"},
                      follow=True)
    assert "法制审核通过，决定已作出" in text(response)
    assert fresh(first).stage == Stage.APPROVED
    assert Application.objects.get(pk=application.pk).status == Status.DECIDED


def test_decision_form_errors_are_chinese(client, flow):
    case = flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    case = case_services.complete_review(case, flow.reviewer, "同意")
    c = as_user(client, flow.certifier)
    response = c.post(case_url(case, "decide"), {"decide-version": case.version, "decide-result": "deny"})
    assert response.status_code == 400 and "不予许可须说明理由" in text(response)
    response = c.post(case_url(case, "decide"), {"decide-version": case.version, "decide-result": "approve",
                                                 "decide-holder_name": "", "decide-valid_from": ""})
    assert "请填写持证主体" in text(response)
    response = c.post(case_url(case, "decide"), {"decide-version": case.version, "decide-result": "deny",
                                                 "decide-reasons": "经营场所不符合要求"}, follow=True)
    assert "已作出不予许可决定" in text(response) and "行政复议" in text(response)
    assert fresh(case).stage == Stage.DENIED


def test_send_back_from_decision_to_review_with_a_reason(client, flow):
    case = flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    case = case_services.complete_review(case, flow.reviewer, "同意")
    c = as_user(client, flow.certifier)
    response = c.post(case_url(case, "send_back"), {"send_back-version": case.version, "send_back-to_stage": "review",
                                                    "send_back-reason": ""})
    assert response.status_code == 400 and "退回须写明理由" in text(response)
    response = c.post(case_url(case, "send_back"), {"send_back-version": case.version, "send_back-to_stage": "review",
                                                    "send_back-reason": "请补充核查经营场所"}, follow=True)
    assert "已退回到“审查”环节" in text(response)
    case = fresh(case)
    assert case.stage == Stage.REVIEW and case.assignee == flow.reviewer


# --- extensions, suspensions, overview ---------------------------------------------------------------------------------


def test_extension_requested_on_the_case_page_and_approved_by_the_head(client, flow):
    case = flow.case()
    before = fresh(case).promised_due_date
    c = as_user(client, flow.reviewer)
    response = c.post(case_url(case, "extend"), {"extend-reason": "需要征求相关部门意见"}, follow=True)
    assert "已申请延长 10 个工作日" in text(response)
    assert 'data-testid="action-extend"' not in text(c.get(case_url(case)))  # once
    extension = ExtensionRequest.objects.get()
    assert client.get(reverse("approvals:case_extensions")).status_code == 403  # an officer
    c = as_user(client, flow.head)
    page = text(c.get(reverse("approvals:case_extensions")))
    assert f'data-extension="{extension.pk}"' in page and "需要征求相关部门意见" in page
    response = c.post(reverse("approvals:case_extension_decide", args=[extension.pk]), {"result": "refuse"},
                      follow=True)
    assert "不予批准须写明意见" in text(response)
    response = c.post(reverse("approvals:case_extension_decide", args=[extension.pk]), {"result": "approve"},
                      follow=True)
    assert "已批准" in text(response) and "暂无待审批的延期申请" in text(response)
    assert fresh(case).promised_due_date == clock.add_working_days(before, 10)
    again = c.post(reverse("approvals:case_extension_decide", args=[extension.pk]), {"result": "approve"}, follow=True)
    assert "该延期申请已处理" in text(again)


def test_extension_page_of_another_sections_head_is_empty_and_decide_is_404(client, flow):
    flow.case()
    case_services.request_extension(ApprovalCase.objects.get(), flow.reviewer, "理由")
    other = Flow.build(make_section())
    c = as_user(client, other.head)
    assert "暂无待审批的延期申请" in text(c.get(reverse("approvals:case_extensions")))
    extension = ExtensionRequest.objects.get()
    assert c.post(reverse("approvals:case_extension_decide", args=[extension.pk]), {"result": "approve"}).status_code == 404


def test_suspend_and_resume_on_the_case_page(client, flow):
    case = flow.case()
    c = as_user(client, flow.reviewer)
    response = c.post(case_url(case, "suspend"), {"suspend-kind": "expert", "suspend-reason": ""})
    assert response.status_code == 400 and "请写明中止计时的事由" in text(response)
    response = c.post(case_url(case, "suspend"), {"suspend-kind": "expert", "suspend-reason": "组织专家评审"},
                      follow=True)
    assert "已中止计算审批期限" in text(response) and "中止计时" in text(response)
    assert fresh(case).suspended_since == clock.today()
    response = c.post(case_url(case, "resume"), {}, follow=True)
    assert "已恢复计算审批期限" in text(response)
    assert fresh(case).suspended_since is None


def test_leader_overview_counts_and_lists_warned_cases_across_sections(client, flow, django_assert_max_num_queries):
    red, calm = flow.case(), flow.case()
    make_warned(red, "red")
    other = Flow.build(make_section(name="建设审批科"))
    alarm = other.case()
    make_warned(alarm, "yellow", alarm=True)
    c = as_user(client, flow.leader)
    with django_assert_max_num_queries(10):
        response = c.get(reverse("approvals:case_overview"))
    body = text(response)
    assert response.status_code == 200 and "建设审批科" in body
    assert f'data-case="{red.pk}"' in body and f'data-case="{alarm.pk}"' in body
    assert f'data-case="{calm.pk}"' not in body
    assert 'data-testid="alarm"' in body
    # A head sees their own section only; an officer is refused.
    body = text(as_user(client, flow.head).get(reverse("approvals:case_overview")))
    assert f'data-case="{red.pk}"' in body and f'data-case="{alarm.pk}"' not in body
    assert as_user(client, flow.reviewer).get(reverse("approvals:case_overview")).status_code == 403


def test_inspections_page_lists_the_inspectors_visits(client, flow):
    case = flow.case(inspection=True)
    case = case_services.take_next(flow.reviewer, "review")
    case_services.complete_review(case, flow.reviewer, "同意")
    case = case_services.take_next(flow.inspector1, "inspection")
    tomorrow = clock.today() + timedelta(days=1)
    visit = case_services.schedule_inspection([case], tomorrow, "现场", flow.inspectors, flow.inspector1)
    body = text(as_user(client, flow.inspector2).get(reverse("approvals:case_inspections")))
    assert 'data-testid="inspection-row"' in body and case.application.case_number in body
    # Before the visit's date: no result form, the page and the list say from when.
    assert 'data-testid="record-result"' not in body and f"{tomorrow.isoformat()} 起可记录结果" in body
    page = text(client.get(case_url(case)))
    assert 'data-testid="action-result"' not in page and 'data-testid="record-not-yet"' in page
    assert f"{tomorrow.isoformat()} 起" in page
    # On the date the inspector (not holding the case) sees the action in the list and the form on the case page.
    visit_day_arrives(visit)
    assert 'data-testid="record-result"' in text(client.get(reverse("approvals:case_inspections")))
    page = text(client.get(case_url(case)))
    assert 'data-testid="action-result"' in page
    body = text(as_user(client, flow.certifier).get(reverse("approvals:case_inspections")))
    assert "暂无待完成的勘验安排" in body


# --- home panels, navigation, demo staff -----------------------------------------------------------------------------


def test_home_panels_and_navigation_per_role(client, flow):
    case = flow.case()
    case_services.take_next(flow.reviewer, "review")
    case_services.request_extension(case, flow.reviewer, "需要征求意见")
    make_warned(case, "red")
    home = reverse("portal:home")
    body = text(as_user(client, flow.reviewer).get(home))
    assert 'data-testid="panel-officer-cases"' in body and case.application.case_number in body
    assert reverse("approvals:case_queue") in body and reverse("approvals:case_inspections") in body
    assert reverse("approvals:case_overview") not in body
    body = text(as_user(client, flow.head).get(home))
    assert 'data-testid="panel-extensions"' in body and 'data-testid="panel-warnings"' in body
    assert "红色 1" in body and reverse("approvals:case_extensions") in body
    body = text(as_user(client, flow.leader).get(home))
    assert 'data-testid="panel-warnings"' in body and reverse("approvals:case_overview") in body
    body = text(as_user(client, flow.legal).get(home))
    assert 'data-testid="panel-legal-queue"' in body
    body = text(as_user(client, flow.applicant_user).get(home))
    assert reverse("approvals:case_queue") not in body


def test_demo_staff_are_four_officers_in_every_demo_section_and_loading_twice_changes_nothing():
    from django.apps import apps

    from catalog.demo import SECTIONS
    from catalog.models import Section
    from portal.models import User

    for code, name, phone in SECTIONS[:2]:
        Section.objects.create(code=code, name=name, phone=phone)
    config = apps.get_app_config("approvals")
    assert "officer2" in config.load_demo()
    config.load_demo()
    staff = User.objects.filter(username__in=["officer2", "inspector1", "inspector2", "certifier"])
    assert staff.count() == 4
    for user in staff:
        assert user.has_role(Role.APPROVAL_OFFICER) and user.real_name and user.check_password("Demo@2026")
        assert set(user.sections.values_list("code", flat=True)) == {SECTIONS[0][0], SECTIONS[1][0]}
    assert len({u.real_name for u in staff}) == 4


def test_recording_a_visit_twice_is_a_conflict_and_a_late_invalid_post_does_not_break_the_page(client, flow):
    flow.case(inspection=True)
    case = case_services.take_next(flow.reviewer, "review")
    case_services.complete_review(case, flow.reviewer, "同意")
    case = case_services.take_next(flow.inspector1, "inspection")
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.inspector1)
    url = reverse("approvals:case_inspection_result", args=[visit.pk])
    record_and_cosign(visit, flow.inspector1, flow.inspector2, "符合要求", "pass")
    c = as_user(client, flow.inspector2)
    response = c.post(url, {"case": case.pk, "result-outcome": "fail", "result-findings": "不符合"})
    assert response.status_code == 409 and "该次勘验已记录结果" in text(response)
    response = c.post(url, {"case": case.pk, "result-outcome": "fail", "result-findings": ""})
    assert response.status_code == 400
    assert Inspection.objects.get().outcome == "pass"
    # Someone who is not one of a pending visit's inspectors may not record it (403 with the reason).
    flow.case(inspection=True)
    second = case_services.take_next(flow.reviewer, "review")
    case_services.complete_review(second, flow.reviewer, "同意")
    second = case_services.take_next(flow.inspector1, "inspection")
    pending = case_services.schedule_inspection([second], clock.today() + timedelta(days=1), "现场", flow.inspectors,
                                           flow.inspector1)
    other = make_person(Role.APPROVAL_OFFICER, "旁人", section=flow.section)
    response = as_user(client, other).post(reverse("approvals:case_inspection_result", args=[pending.pk]),
                                           {"case": second.pk, "result-outcome": "pass", "result-findings": "x"})
    assert response.status_code == 403 and "只有本次勘验的勘验人员可以记录勘验结果" in text(response)
    assert Inspection.objects.get(pk=pending.pk).outcome == ""


def test_case_page_with_visits_and_evidence_keeps_a_fixed_query_count(client, flow, django_assert_max_num_queries):
    flow.case(inspection=True, legal=True)
    case = case_services.take_next(flow.reviewer, "review")
    case_services.complete_review(case, flow.reviewer, "同意")
    case = case_services.take_next(flow.inspector1, "inspection")
    day = clock.today() + timedelta(days=1)
    visit = case_services.schedule_inspection([case], clock.today(), "现场", flow.inspectors, flow.inspector1)
    record_and_cosign(visit, flow.inspector2, flow.inspector1, "整改", "rectify", rectify_deadline=day,
                      evidence=[SimpleUploadedFile("a.jpg", JPEG_BYTES), SimpleUploadedFile("b.png", PNG_BYTES)])
    again = case_services.schedule_reinspection(visit, clock.today(), flow.inspector1)
    record_and_cosign(again, flow.inspector2, flow.inspector1, "合格", "pass",
                      evidence=[SimpleUploadedFile("c.jpg", JPEG_BYTES)])
    case = fresh(case)  # flagged for legal review: the certifier drafts the decision first
    as_user(client, flow.certifier)
    with django_assert_max_num_queries(24):  # two visits, three evidence files, certificates: no per-row queries
        response = client.get(case_url(case))
    body = text(response)
    assert body.count('data-testid="evidence"') == 3 and body.count('data-testid="inspection"') == 2
    assert 'data-testid="action-decide"' in body


def test_a_decided_application_waits_on_the_clerks_home_at_the_issuing_window(client, django_assert_max_num_queries):
    from approvals.cases import services as approval_services
    from approvals.testing import Flow

    flow = Flow.build()
    case = flow.case()
    client.force_login(flow.clerk)
    assert "暂无待出件的办件" in client.get("/").content.decode()

    taken = approval_services.take_next(flow.reviewer, "review")
    approval_services.complete_review(taken, flow.reviewer, "材料齐全")
    approval_services.decide(approval_services.take_next(flow.certifier, "decision"), flow.certifier, True)
    with django_assert_max_num_queries(20):
        page = client.get("/").content.decode()
    assert 'data-testid="panel-issuing-window"' in page
    assert case.application.case_number in page and "暂无待出件的办件" not in page
