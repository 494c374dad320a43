"""The intake API: queue, detail, claim/release and every outcome, with the same permissions as the pages."""
import pytest
import yaml
from django.contrib.auth.models import Permission

from applications import services as app_services
from applications.models import Application, Status
from applications.testing import citizen_id, complete_draft, make_bundle, make_item, submitted_application
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase, IntakeClaim, Notice
from portal import clock
from portal.roles import Role

pytestmark = pytest.mark.django_db
BASE = "/api/approvals/intake/"


@pytest.fixture
def api(client, clerk):
    client.force_login(clerk)
    return client


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def status_of(application):
    return Application.objects.get(pk=application.pk).status


def test_the_queue_lists_submitted_applications_with_days_left(api, applicant_user, django_assert_max_num_queries):
    item = make_item()
    first = submitted_application(applicant_user, item=item)
    second = submitted_application(applicant_user, item=item)
    for _ in range(5):
        submitted_application(applicant_user, item=item)
    with django_assert_max_num_queries(8):
        response = api.get(BASE)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["case_number"] for r in rows[:2]] == [first.case_number, second.case_number]
    assert rows[0]["days_left"] == clock.working_days_left(first.intake_due_date)
    assert rows[0]["claimed_by"] is None and rows[0]["applicant"]["name"] == "张丽华"
    assert response.json()["count"] == 7


def test_queue_filters(api, clerk, applicant_user):
    item = make_item()
    mine, free = submitted_application(applicant_user, item=item), submitted_application(applicant_user, item=item)
    intake_services.claim(mine, clerk)

    def numbers(**params):
        return [r["case_number"] for r in api.get(BASE, params).json()["results"]]

    assert numbers(scope="mine") == [mine.case_number]
    assert numbers(scope="claimed") == [mine.case_number]
    assert numbers(scope="unclaimed") == [free.case_number]
    assert numbers(q=free.case_number) == [free.case_number]
    assert api.get(BASE, {"scope": "mine"}).json()["results"][0]["claimed_by"]["name"] == "王晓燕"


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.APPROVAL_OFFICER, Role.AGENT])
def test_other_roles_are_refused(client, make_user, applicant_user, role):
    application = submitted_application(applicant_user)
    client.force_login(make_user(role))
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}{application.pk}/").status_code == 403
    assert post(client, f"{BASE}{application.pk}/accept/").status_code == 403
    assert post(client, f"{BASE}{application.pk}/claim/").status_code == 403
    assert status_of(application) == Status.SUBMITTED


def test_anonymous_is_refused(client, applicant_user):
    """Not signed in is 401 (with the scheme to sign in with), not 403: the API's schema says so."""
    application = submitted_application(applicant_user)
    response = client.get(BASE)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Session")
    assert post(client, f"{BASE}{application.pk}/accept/").status_code == 401


def test_an_administrator_reads_but_cannot_decide(client, make_user, applicant_user):
    application = submitted_application(applicant_user)
    client.force_login(make_user(Role.ADMINISTRATOR))
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}{application.pk}/").status_code == 200
    assert post(client, f"{BASE}{application.pk}/accept/").status_code == 403


def test_detail_shows_materials_and_files(api, applicant_user, django_assert_max_num_queries):
    application = submitted_application(applicant_user, bundle=make_bundle())
    with django_assert_max_num_queries(20):
        response = api.get(f"{BASE}{application.pk}/")
    data = response.json()
    assert data["case_number"] == application.case_number
    assert {i["name"] for i in data["items"]} == {"食品经营许可", "公共场所卫生许可"}
    shared = next(m for m in data["materials"] if m["name"] == "营业执照")
    assert shared["asked"] is False and shared["files"] == []
    plan = next(m for m in data["materials"] if m["name"] == "经营场所平面图")
    assert plan["files"][0]["url"].startswith("/office/files/")
    assert api.get(plan["files"][0]["url"]).status_code == 200


def test_drafts_and_unknown_ids_answer_404(api, applicant_user):
    from applications.testing import make_person

    draft = app_services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    assert api.get(f"{BASE}{draft.pk}/").status_code == 404
    assert post(api, f"{BASE}{draft.pk}/accept/").status_code == 404
    assert api.get(f"{BASE}999999/").status_code == 404


def test_claim_and_release(api, clerk, make_user, applicant_user):
    application = submitted_application(applicant_user)
    response = post(api, f"{BASE}{application.pk}/claim/")
    assert response.status_code == 200 and response.json()["claimed_by"]["id"] == clerk.pk
    assert post(api, f"{BASE}{application.pk}/release/").status_code == 200
    assert not IntakeClaim.objects.exists()
    assert post(api, f"{BASE}{application.pk}/release/").status_code == 400  # not claimed by me
    intake_services.claim(application, make_user(Role.WINDOW_CLERK, real_name="李受理"))
    response = post(api, f"{BASE}{application.pk}/claim/")
    assert response.status_code == 409 and "李受理" in response.json()["detail"]


def test_accept(api, applicant_user):
    application = submitted_application(applicant_user, item=make_item(promised=8))
    response = post(api, f"{BASE}{application.pk}/accept/", {"opinion": "材料齐全"})
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == Status.ACCEPTED and data["notices"][0]["kind"] == Notice.Kind.ACCEPTANCE
    assert data["notices"][0]["url"] == f"/office/notices/{data['notices'][0]['id']}/"
    # A second decision on the same application is a conflict, in Chinese.
    again = post(api, f"{BASE}{application.pk}/accept/")
    assert again.status_code == 409 and "不能作出受理决定" in again.json()["detail"]
    detail = api.get(f"{BASE}{application.pk}/").json()
    assert len(detail["cases"]) == 1 and detail["cases"][0]["promised_due_date"] == detail["promised_due_date"]


def test_accept_with_a_missing_material_is_a_400_with_the_message(api, applicant_user):
    application = submitted_application(applicant_user)
    application.materials.get(name="经营场所平面图").files.all().delete()
    response = post(api, f"{BASE}{application.pk}/accept/")
    assert response.status_code == 400 and "经营场所平面图" in response.json()["detail"][0]


def test_request_supplement_lists_everything_in_one_notice(api, applicant_user):
    application = submitted_application(applicant_user)
    plan = application.materials.get(name="经营场所平面图")
    response = post(api, f"{BASE}{application.pk}/request-supplement/", {
        "items": [{"material": plan.pk, "reason": "不清晰"}, {"name": "从业人员健康证明", "reason": "清单外"}],
        "note": "请一次性补齐"})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.SUPPLEMENT_REQUESTED
    body = Notice.objects.get(application=application).body_html
    assert "不清晰" in body and "从业人员健康证明" in body


def test_request_supplement_validation(api, applicant_user, make_user):
    application = submitted_application(applicant_user)
    empty = post(api, f"{BASE}{application.pk}/request-supplement/", {"items": []})
    assert empty.status_code == 400
    both = post(api, f"{BASE}{application.pk}/request-supplement/", {"items": [{"reason": "x"}]})
    assert both.status_code == 400 and "二选一" in str(both.json())
    other = submitted_application(make_user(Role.APPLICANT))
    foreign = other.materials.filter(source="applicant").first()
    wrong = post(api, f"{BASE}{application.pk}/request-supplement/", {"items": [{"material": foreign.pk, "reason": "x"}]})
    assert wrong.status_code == 400 and "材料不属于该申请" in str(wrong.json())
    assert status_of(application) == Status.SUBMITTED


def test_refuse_needs_a_reason(api, applicant_user):
    application = submitted_application(applicant_user)
    assert post(api, f"{BASE}{application.pk}/refuse/", {"reason": ""}).status_code == 400
    response = post(api, f"{BASE}{application.pk}/refuse/", {"reason": "不属于本机关职权", "refer_to": "延安市卫健委"})
    assert response.status_code == 201 and response.json()["status"] == Status.REFUSED


def test_accept_with_tolerance(api, clerk):
    applicant, _ = app_services.find_or_register_walk_in(clerk, id_number=citizen_id(), name="张丽华")
    application = app_services.start_application(clerk, applicant, item=make_item(tolerance=True, promised=10),
                                                 channel="1")
    complete_draft(application, clerk, skip=("经营场所平面图",))
    plan = application.materials.get(name="经营场所平面图")
    app_services.request_tolerance(application, plan, clerk, True)
    app_services.submit(application, clerk)
    unsigned = post(api, f"{BASE}{application.pk}/accept-with-tolerance/", {"materials": [{"material": plan.pk}]})
    assert unsigned.status_code == 400 and "承诺" in unsigned.json()["detail"][0]
    response = post(api, f"{BASE}{application.pk}/accept-with-tolerance/", {
        "materials": [{"material": plan.pk}], "paper_signatory": "张丽华"})
    assert response.status_code == 201 and response.json()["notices"][0]["kind"] == Notice.Kind.TOLERANCE
    plan.refresh_from_db()
    assert plan.tolerance_due_date == ApprovalCase.objects.get(application=application).promised_due_date


def test_accept_on_commitment_and_instant_need_the_permission_to_decide(api, clerk, applicant_user):
    committed = submitted_application(applicant_user, item=make_item(commitment=True))
    refused = post(api, f"{BASE}{committed.pk}/accept-on-commitment/", {"paper_signatory": "张丽华", "decide_now": True})
    assert refused.status_code == 403
    instant = submitted_application(applicant_user, item=make_item(instant=True))
    assert post(api, f"{BASE}{instant.pk}/accept-and-decide-instant/").status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="decide_instant", content_type__app_label="approvals"))
    response = post(api, f"{BASE}{committed.pk}/accept-on-commitment/", {"paper_signatory": "张丽华", "decide_now": True})
    assert response.status_code == 201
    assert [n["kind"] for n in response.json()["notices"]] == [Notice.Kind.COMMITMENT, Notice.Kind.INSTANT_DECISION]
    response = post(api, f"{BASE}{instant.pk}/accept-and-decide-instant/")
    assert response.status_code == 201 and response.json()["status"] == Status.DECIDED


def test_notices_are_for_staff_and_their_applicant(client, clerk, make_user, applicant_user):
    application = submitted_application(applicant_user)
    notice = intake_services.accept(application, clerk)
    url = f"/api/approvals/notices/{notice.public_id}/"
    client.force_login(applicant_user)
    data = client.get(url).json()
    assert data["number"] == notice.number and data["case_number"] == application.case_number
    assert "受理通知书" in data["body_html"]
    client.force_login(make_user(Role.APPLICANT))
    assert client.get(url).status_code == 404


def test_the_intake_api_is_in_the_openapi_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    for suffix in ("", "{id}/", "{id}/claim/", "{id}/release/", "{id}/accept/", "{id}/request-supplement/",
                   "{id}/refuse/", "{id}/accept-with-tolerance/", "{id}/accept-on-commitment/",
                   "{id}/accept-and-decide-instant/"):
        assert f"/api/approvals/intake/{suffix}" in paths, suffix
    assert "/api/approvals/notices/{public_id}/" in paths
