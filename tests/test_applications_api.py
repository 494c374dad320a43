"""The applicant's API: same permissions as the pages, service messages as they are, in the OpenAPI schema."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from applications import services
from applications.models import Application, Status
from applications.testing import FORM_DATA, make_bundle, make_item, make_person, pdf_upload, submitted_application
from approvals.intake import services as intake
from portal.roles import Role

pytestmark = pytest.mark.django_db

LIST = "/api/applications/applications/"


@pytest.fixture
def api(applicant_user):
    client = APIClient()
    client.force_authenticate(applicant_user)
    return client


def test_anonymous_callers_are_refused():
    response = APIClient().get(LIST)
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Session realm="api"'


def test_a_draft_is_created_filled_uploaded_and_submitted(api, applicant_user):
    item = make_item()
    person = make_person(applicant_user)
    choices = api.get("/api/applications/applicants/", {"item": item.pk}).json()
    assert [c["applicant"]["id"] for c in choices] == [person.pk]
    assert choices[0]["applicant"]["id_number"].count("*") == 8
    response = api.post(LIST, {"applicant": person.pk}, format="json")
    assert response.status_code == 400 and "请选择一个事项或一件事" in str(response.json())
    hidden = make_item("未发布事项", publish=False)
    response = api.post(LIST, {"applicant": person.pk, "item": hidden.pk}, format="json")
    assert response.status_code == 400 and "清单之外无审批" in str(response.json())
    response = api.post(LIST, {"applicant": person.pk, "item": item.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    pk = body["id"]
    assert body["status"] == "draft" and body["case_number"] is None
    shared = next(m for m in body["materials"] if m["name"] == "营业执照")
    assert shared["asked"] is False and shared["source"] == "shared"
    assert any("申请表尚未填写" in m for m in body["missing"])

    url = f"{LIST}{pk}/"
    response = api.put(url + "form/", {"data": {"contact_mobile": "123"}}, format="json")
    assert response.status_code == 400 and response.json()["data"]["contact_mobile"] == "请输入11位中国大陆手机号码。"
    assert api.put(url + "form/", {"data": FORM_DATA, "final": True}, format="json").status_code == 200

    response = api.post(url + "files/", {"material": shared["id"], "file": pdf_upload()}, format="multipart")
    assert response.status_code == 400 and "无需上传" in str(response.json())
    response = api.post(url + "files/", {"material": 999999, "file": pdf_upload()}, format="multipart")
    assert response.status_code == 400 and "材料不属于该申请" in str(response.json())
    asked = [m for m in body["materials"] if m["asked"]]
    response = api.post(url + "files/", {"material": asked[0]["id"], "file": pdf_upload("bad.pdf", b"GIF89a...")},
                        format="multipart")
    assert response.status_code == 400 and "只接受 PDF、JPG、PNG、OFD 文件" in str(response.json())
    response = api.post(url + "submit/")
    assert response.status_code == 400 and "以下必要材料尚未上传" in str(response.json())
    for material in asked:
        response = api.post(url + "files/", {"material": material["id"], "file": pdf_upload(f"{material['name']}.pdf")},
                            format="multipart")
        assert response.status_code == 201
        assert response.json()["url"].startswith("/files/")
    response = api.post(url + "submit/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["case_number"]
    assert [s["what"] for s in body["timeline"]] == ["提交申请"]
    assert api.post(url + "submit/").status_code == 409


def test_list_filters_and_detail_with_timeline_notices_and_supplement(api, applicant_user, make_user,
                                                                        django_assert_max_num_queries):
    clerk = make_user(Role.WINDOW_CLERK)
    application = submitted_application(applicant_user)
    services.start_application(applicant_user, application.applicant, item=make_item())
    with django_assert_max_num_queries(5):
        response = api.get(LIST)
    assert response.json()["count"] == 2
    assert [r["id"] for r in api.get(LIST, {"status": "submitted"}).json()["results"]] == [application.pk]
    assert api.get(LIST, {"q": application.case_number}).json()["count"] == 1
    material = application.materials.get(name="经营场所平面图")
    intake.request_supplement(application, clerk, [(material, "未标注面积")])
    with django_assert_max_num_queries(12):
        body = api.get(f"{LIST}{application.pk}/").json()
    assert body["status"] == "supplement_requested"
    assert body["open_supplement"]["items"] == [{"material": material.pk, "name": "经营场所平面图", "reason": "未标注面积"}]
    assert body["notices"][0]["url"] == reverse("approvals:notice", args=[body["notices"][0]["id"]])
    assert "一次性告知补正" in [s["what"] for s in body["timeline"]]
    url = f"{LIST}{application.pk}/"
    response = api.post(url + "resubmit/")
    assert response.status_code == 400 and "以下补正材料尚未上传" in str(response.json())
    assert api.post(url + "files/", {"material": material.pk, "file": pdf_upload()}, format="multipart").status_code == 201
    assert api.post(url + "resubmit/").json()["status"] == "submitted"
    response = api.post(url + "withdraw/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert api.post(url + "withdraw/", {"reason": "不再经营"}, format="json").json()["status"] == "withdrawn"


def test_another_applicant_gets_404_everywhere(applicant_user, make_user):
    application = submitted_application(applicant_user)
    other = APIClient()
    other.force_authenticate(make_user(Role.APPLICANT))
    url = f"{LIST}{application.pk}/"
    assert other.get(LIST).json()["count"] == 0
    assert other.get(url).status_code == 404
    assert other.put(url + "form/", {"data": {}}, format="json").status_code == 404
    material = application.materials.exclude(source="shared").first()
    assert other.post(url + "files/", {"material": material.pk, "file": pdf_upload()},
                      format="multipart").status_code == 404
    assert other.post(url + "withdraw/", {"reason": "恶意"}, format="json").status_code == 404
    assert other.post(url + "submit/").status_code == 404
    # and cannot file in someone else's name
    response = other.post(LIST, {"applicant": application.applicant_id, "item": make_item().pk}, format="json")
    assert response.status_code == 400 and "不能以该申请人的名义" in str(response.json())
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


def test_a_bundle_draft_through_the_api(api, applicant_user):
    bundle = make_bundle()
    person = make_person(applicant_user)
    response = api.post(LIST, {"applicant": person.pk, "bundle": bundle.pk}, format="json")
    assert response.status_code == 201 and response.json()["items"] == ["食品经营许可", "公共场所卫生许可"]


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/applications/applications/", "/api/applications/applications/{id}/form/",
                 "/api/applications/applications/{id}/files/", "/api/applications/applications/{id}/submit/",
                 "/api/applications/applications/{id}/withdraw/", "/api/applications/applications/{id}/resubmit/",
                 "/api/applications/applicants/"):
        assert path in schema, path
