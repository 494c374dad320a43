"""The officers' API: queues, take-next, case detail and the stage actions with the pages' permissions (another
section's case 404, an applicant 403), conflicts as 409, site visits with evidence, extensions, the overview."""
from datetime import timedelta

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import testing as app_testing
from applications.models import Application, Status
from applications.testing import JPEG_BYTES
from approvals.cases import services as case_services
from approvals.models import ApprovalCase, ExtensionRequest, Inspection, Stage
from approvals.testing import Flow, make_person, make_warned
from catalog.testing import make_section
from portal import clock
from portal.roles import Role

pytestmark = pytest.mark.django_db
BASE = "/api/approvals"


@pytest.fixture
def flow(db):
    return Flow.build()


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def fresh(case):
    return ApprovalCase.objects.get(pk=case.pk)


def test_queue_lists_own_sections_cases_by_urgency_with_days_left(client, flow, django_assert_max_num_queries):
    calm, late = flow.case(), flow.case()
    make_warned(late, "red")
    elsewhere = Flow.build(make_section()).case()
    for _ in range(5):
        flow.case()
    c = as_user(client, flow.reviewer)
    with django_assert_max_num_queries(7):
        response = c.get(f"{BASE}/cases/?stage=review")
    assert response.status_code == 200
    body = response.json()
    ids = [row["id"] for row in body["results"]]
    assert body["count"] == 7 and ids[0] == late.pk and calm.pk in ids and elsewhere.pk not in ids
    first = body["results"][0]
    assert first["colour"] == "red" and first["stage"] == "received" and first["queue"] == "review"
    row = next(r for r in body["results"] if r["id"] == calm.pk)
    assert row["days_left"] == clock.working_days_left(calm.promised_due_date)
    assert row["version"] == calm.version and row["applicant"] == "张丽华"
    assert c.get(f"{BASE}/cases/?stage=bogus").status_code == 400


def test_applicants_get_403_and_other_sections_get_404(client, flow):
    case = flow.case()
    as_user(client, flow.applicant_user)
    assert client.get(f"{BASE}/cases/").status_code == 403
    assert client.get(f"{BASE}/cases/{case.pk}/").status_code == 403
    assert post(client, f"{BASE}/cases/{case.pk}/claim/").status_code == 403
    stranger = make_person(Role.APPROVAL_OFFICER, "外科室", section=make_section())
    as_user(client, stranger)
    assert client.get(f"{BASE}/cases/{case.pk}/").status_code == 404
    assert post(client, f"{BASE}/cases/{case.pk}/claim/", {"version": case.version}).status_code == 404
    assert post(client, f"{BASE}/cases/{case.pk}/review/", {"opinion": "x"}).status_code == 404
    assert client.get(f"{BASE}/cases/").json()["count"] == 0
    assert fresh(case).assignee is None


def test_take_next_gives_two_officers_different_cases_then_204(client, flow):
    first, second = flow.case(), flow.case()
    other = make_person(Role.APPROVAL_OFFICER, "另一审查", section=flow.section)
    a = post(as_user(client, flow.reviewer), f"{BASE}/cases/take-next/", {"queue": "review"})
    b = post(as_user(client, other), f"{BASE}/cases/take-next/", {"queue": "review"})
    assert a.status_code == b.status_code == 200
    assert {a.json()["id"], b.json()["id"]} == {first.pk, second.pk}
    assert a.json()["assignee"]["id"] == flow.reviewer.pk and a.json()["stage"] == "review"
    assert post(client, f"{BASE}/cases/take-next/", {"queue": "review"}).status_code == 204
    mine = client.get(f"{BASE}/cases/mine/").json()
    assert [r["id"] for r in mine["results"]] == [b.json()["id"]]


def test_a_stale_version_is_409_with_the_conflict_message(client, flow):
    case = flow.case()
    seen = case.version
    case_services.take_next(flow.reviewer, "review")
    other = make_person(Role.APPROVAL_OFFICER, "另一审查", section=flow.section)
    response = post(as_user(client, other), f"{BASE}/cases/{case.pk}/claim/", {"version": seen})
    assert response.status_code == 409 and "已被他人处理" in response.json()["detail"]
    assert fresh(case).assignee == flow.reviewer


def test_separation_of_duties_is_a_400_with_the_rule(client, flow):
    flow.case()
    case = case_services.take_next(flow.reviewer, "review")
    case = case_services.complete_review(case, flow.reviewer, "同意")
    response = post(as_user(client, flow.reviewer), f"{BASE}/cases/{case.pk}/decide/",
                    {"version": case.version, "approve": False, "reasons": "不符合"})
    assert response.status_code == 400 and "四分离" in " ".join(response.json()["detail"])
    assert fresh(case).stage == Stage.DECISION


def test_bundle_through_the_api_merged_inspection_rectify_reinspection_legal_review_decisions(
        client, flow, django_assert_max_num_queries):
    items = [flow.item(inspection=True, legal=True), flow.item(inspection=True)]
    application = flow.accepted(bundle=app_testing.make_bundle("我要开饭店", items))
    first, second = ApprovalCase.objects.filter(application=application).order_by("id")
    c = as_user(client, flow.reviewer)
    for _ in range(2):
        taken = post(c, f"{BASE}/cases/take-next/", {"queue": "review"}).json()
        response = post(c, f"{BASE}/cases/{taken['id']}/review/", {"opinion": "同意", "version": taken["version"]})
        assert response.status_code == 200 and response.json()["stage"] == "inspection"
    c = as_user(client, flow.inspector1)
    taken = post(c, f"{BASE}/cases/take-next/", {"queue": "inspection"}).json()
    other = second.pk if taken["id"] == first.pk else first.pk
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    today = clock.today().isoformat()
    response = post(c, f"{BASE}/cases/{taken['id']}/schedule-inspection/", {
        "scheduled_on": tomorrow, "place": "枣园路 8 号", "inspectors": [flow.inspector1.pk, flow.reviewer.pk],
        "other_cases": [other]})
    assert response.status_code == 400 and "四分离" in " ".join(response.json()["detail"])  # the reviewer
    response = post(c, f"{BASE}/cases/{taken['id']}/schedule-inspection/", {
        "scheduled_on": today, "place": "枣园路 8 号", "inspectors": [flow.inspector1.pk, flow.inspector2.pk],
        "other_cases": [other]})
    assert response.status_code == 201 and response.json()["case_ids"] == sorted([first.pk, second.pk])
    visit = response.json()["id"]
    c = as_user(client, flow.inspector2)
    assert [v["id"] for v in c.get(f"{BASE}/inspections/").json()["results"]] == [visit]
    response = c.post(f"{BASE}/inspections/{visit}/result/", {
        "outcome": "rectify", "findings": "排烟不达标", "rectify_deadline": (clock.today() + timedelta(days=5)).isoformat(),
        "evidence": [SimpleUploadedFile("现场.jpg", JPEG_BYTES)]})
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "" and response.json()["proposed_outcome"] == "rectify"
    assert len(response.json()["evidence"]) == 1
    assert c.get(response.json()["evidence"][0]["url"]).status_code == 200
    response = c.post(f"{BASE}/inspections/{visit}/result/", {"outcome": "pass", "findings": "再记"})
    assert response.status_code == 409  # already recorded, awaiting the co-signature
    assert post(c, f"{BASE}/inspections/{visit}/cosign/", {}).status_code == 400  # not the recorder
    c = as_user(client, flow.inspector1)
    response = post(c, f"{BASE}/inspections/{visit}/cosign/", {})
    assert response.status_code == 200 and response.json()["outcome"] == "rectify"
    assert response.json()["cosigned_by"]["id"] == flow.inspector1.pk
    again = post(c, f"{BASE}/inspections/{visit}/reinspect/", {"scheduled_on": today})
    assert again.status_code == 201 and again.json()["reinspection_of"] == visit
    assert c.post(f"{BASE}/inspections/{again.json()['id']}/result/",
                  {"outcome": "pass", "findings": "已整改"}).status_code == 200
    c = as_user(client, flow.inspector2)
    response = post(c, f"{BASE}/inspections/{again.json()['id']}/return-record/", {"comment": "请补充整改后照片"})
    assert response.status_code == 200 and response.json()["return_comment"] == "请补充整改后照片"
    c = as_user(client, flow.inspector1)
    assert c.post(f"{BASE}/inspections/{again.json()['id']}/result/",
                  {"outcome": "pass", "findings": "已整改，附照片"}).status_code == 200
    assert (fresh(first).stage, fresh(second).stage) == (Stage.INSPECTION, Stage.INSPECTION)
    assert post(as_user(client, flow.inspector2), f"{BASE}/inspections/{again.json()['id']}/cosign/",
                {}).status_code == 200
    assert (fresh(first).stage, fresh(second).stage) == (Stage.DECISION, Stage.DECISION)
    c = as_user(client, flow.certifier)
    for case in (first, second):
        with django_assert_max_num_queries(16):  # two merged visits with evidence: none per visit
            detail = c.get(f"{BASE}/cases/{case.pk}/").json()
        assert detail["rules"]["inspection_required"] is True and len(detail["inspections"]) == 2
        assert all(v["case_ids"] == sorted([first.pk, second.pk]) for v in detail["inspections"])
        response = post(c, f"{BASE}/cases/{case.pk}/decide/", {"approve": True, "version": detail["version"],
                                                               "scope": "热食类食品制售"})
        assert response.status_code == 200
    drafted = c.get(f"{BASE}/cases/{first.pk}/").json()
    assert drafted["stage"] == "legal_review" and drafted["decision"] is None
    assert drafted["decision_draft"]["holder_name"] == "张丽华"
    c = as_user(client, flow.legal)
    legal_queue = c.get(f"{BASE}/cases/").json()
    assert [r["id"] for r in legal_queue["results"]] == [first.pk]
    returned = post(c, f"{BASE}/cases/{first.pk}/legal-review/", {
        "approve": False, "comments": "许可范围应不予许可", "proposed_outcome": "deny", "version": fresh(first).version})
    assert returned.json()["stage"] == "decision"
    assert returned.json()["legal_reviews"][-1]["proposed_outcome"] == "deny"
    c = as_user(client, flow.certifier)
    post(c, f"{BASE}/cases/{first.pk}/decide/", {"approve": True, "version": fresh(first).version})
    c = as_user(client, flow.legal)
    passed = post(c, f"{BASE}/cases/{first.pk}/legal-review/", {"approve": True, "version": fresh(first).version})
    assert passed.json()["stage"] == "approved" and passed.json()["decision"]["holder_name"] == "张丽华"
    assert Application.objects.get(pk=application.pk).status == Status.DECIDED


def test_send_back_suspend_resume_and_extension_through_the_api(client, flow):
    flow.case()
    c = as_user(client, flow.reviewer)
    taken = post(c, f"{BASE}/cases/take-next/", {"queue": "review"}).json()
    pk = taken["id"]
    response = post(c, f"{BASE}/cases/{pk}/suspend/", {"kind": "expert", "reason": "专家评审"})
    assert response.status_code == 200 and response.json()["suspended_since"] == clock.today().isoformat()
    assert post(c, f"{BASE}/cases/{pk}/resume/", {}).json()["suspended_since"] is None
    assert post(c, f"{BASE}/cases/{pk}/request-extension/", {"reason": ""}).status_code == 400
    before = fresh(ApprovalCase.objects.get(pk=pk)).promised_due_date
    assert post(c, f"{BASE}/cases/{pk}/request-extension/", {"reason": "征求意见"}).status_code == 200
    assert c.get(f"{BASE}/extensions/").status_code == 403  # an officer
    extension = ExtensionRequest.objects.get()
    head = as_user(client, flow.head)
    assert [e["id"] for e in head.get(f"{BASE}/extensions/").json()["results"]] == [extension.pk]
    response = post(head, f"{BASE}/extensions/{extension.pk}/decide/", {"approve": True})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert ApprovalCase.objects.get(pk=pk).promised_due_date == clock.add_working_days(before, 10)
    assert post(head, f"{BASE}/extensions/{extension.pk}/decide/", {"approve": True}).status_code == 409
    outsider = Flow.build(make_section()).head
    assert post(as_user(client, outsider), f"{BASE}/extensions/{extension.pk}/decide/",
                {"approve": False, "opinion": "x"}).status_code == 404
    # Send back from the decision to review.
    c = as_user(client, flow.reviewer)
    case = ApprovalCase.objects.get(pk=pk)
    post(c, f"{BASE}/cases/{pk}/review/", {"opinion": "同意", "version": case.version})
    c = as_user(client, flow.certifier)
    version = c.get(f"{BASE}/cases/{pk}/").json()["version"]
    response = post(c, f"{BASE}/cases/{pk}/send-back/", {"to_stage": "review", "reason": "补充核查", "version": version})
    assert response.status_code == 200 and response.json()["stage"] == "review"


def test_overview_for_leaders_and_heads_only(client, flow, django_assert_max_num_queries):
    red = flow.case()
    make_warned(red, "red", alarm=True)
    c = as_user(client, flow.leader)
    with django_assert_max_num_queries(6):
        response = c.get(f"{BASE}/overview/")
    body = response.json()
    assert response.status_code == 200 and body["totals"]["red"] == 1 and body["totals"]["alarm"] == 1
    assert [r["id"] for r in body["cases"]] == [red.pk]
    assert as_user(client, flow.reviewer).get(f"{BASE}/overview/").status_code == 403
    assert as_user(client, flow.applicant_user).get(f"{BASE}/overview/").status_code == 403


def test_case_detail_query_count_is_bounded(client, flow, django_assert_max_num_queries):
    case = flow.case()
    c = as_user(client, flow.reviewer)
    with django_assert_max_num_queries(14):
        response = c.get(f"{BASE}/cases/{case.pk}/")
    assert response.status_code == 200 and response.json()["history"][0]["action"] == "case_open"


def test_the_officers_endpoints_are_in_the_openapi_schema(client, flow):
    as_user(client, flow.reviewer)
    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path in ("/api/approvals/cases/", "/api/approvals/cases/take-next/", "/api/approvals/cases/{id}/decide/",
                 "/api/approvals/inspections/{id}/result/", "/api/approvals/extensions/{id}/decide/",
                 "/api/approvals/overview/"):
        assert path in schema["paths"], path
    assert Inspection.objects.count() == 0
