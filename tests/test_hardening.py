"""Hostile and careless input (issue 10, OWASP ASVS level 2): identifiers as a Chinese input method types them,
files whose name lies about their type, control characters in requests, dates without bounds. Real PostgreSQL,
Django's test client."""
import json
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from applications import services
from portal.errors import DomainError
from applications.models import Applicant
from applications.testing import PDF_BYTES, PNG_BYTES, citizen_id, credit_code, make_item, make_person
from portal import clock
from portal.filenames import content_disposition, download_name
from portal.forms import BoundedDateField
from portal.identifiers import citizen_id_check_char, credit_code_check_char
from portal.models import User
from portal.roles import Role

pytestmark = pytest.mark.django_db

FULL_WIDTH = {chr(c): chr(c - 0x21 + 0xFF01) for c in range(0x21, 0x7F)}


def full_width(text: str) -> str:
    return "".join(FULL_WIDTH.get(ch, ch) for ch in text)


def text_of(response) -> str:
    return response.content.decode()


# --- identifiers through the forms, services and models ---------------------------------------------------------


def test_the_attackers_identifiers_are_refused_with_the_reason(client, applicant_user):
    client.force_login(applicant_user)
    url = reverse("applications:applicants")
    unknown_region = "99999919900315002"
    response = client.post(url, {"action": "person", "person-real_name": "张丽华",
                                 "person-citizen_id": unknown_region + citizen_id_check_char(unknown_region)})
    assert "地区码中的省级行政区划代码不存在" in text_of(response)
    response = client.post(url, {"action": "enterprise", "enterprise-name": "某公司", "enterprise-credit_code":
                                 "000000000000000000", "enterprise-legal_representative": "张三",
                                 "enterprise-relation": "legal_rep"})
    assert "统一社会信用代码无效：不能全部是同一个字符" in text_of(response)
    assert not Applicant.objects.exists()
    with pytest.raises(DomainError, match="地市级"):
        body = "91619902MA0000001"
        services.add_enterprise(applicant_user, name="某公司", credit_code=body + credit_code_check_char(body),
                                legal_representative="张三")


def test_full_width_identifiers_with_spaces_are_accepted_and_stored_plain(client, applicant_user):
    client.force_login(applicant_user)
    url = reverse("applications:applicants")
    number, code = citizen_id(serial=21), credit_code()
    typed = full_width(number[:6]) + "\u3000" + full_width(number[6:14]) + " " + full_width(number[14:]).lower()
    response = client.post(url, {"action": "person", "person-real_name": "张丽华", "person-citizen_id": typed})
    assert response.status_code == 302, text_of(response)
    response = client.post(url, {"action": "enterprise", "enterprise-name": "丽华餐饮有限公司",
                                 "enterprise-credit_code": " " + full_width(code) + " ",
                                 "enterprise-legal_representative": "张丽华", "enterprise-relation": "legal_rep"})
    assert response.status_code == 302, text_of(response)
    assert set(Applicant.objects.values_list("id_number", flat=True)) == {number, code}
    applicant_user.refresh_from_db()
    assert applicant_user.citizen_id == number


def test_a_walk_in_found_by_a_full_width_number(clerk):
    code = credit_code()
    applicant, created = services.find_or_register_walk_in(clerk, id_number=full_width(code), name="某某有限公司",
                                                           legal_representative="李四")
    assert created and applicant.id_number == code
    again, created = services.find_or_register_walk_in(clerk, id_number=code.lower())
    assert again == applicant and not created
    with pytest.raises(DomainError, match="证件号码无效：按居民身份证号码核对，末位校验码不正确"):
        services.find_or_register_walk_in(clerk, id_number="610602199003150000", name="x")


def test_the_user_model_normalises_and_checks_the_citizen_id(make_user):
    user = make_user(Role.APPLICANT)
    number = citizen_id(serial=31)
    user.citizen_id = full_width(number[:9]) + " " + number[9:]
    user.full_clean()
    user.save()
    assert User.objects.get(pk=user.pk).citizen_id == number
    user.citizen_id = "999999" + number[6:]
    with pytest.raises(ValidationError, match="省级行政区划代码不存在"):
        user.full_clean()
    # Applicant rows are stored normalised whoever creates them.
    person = Applicant.objects.create(kind="person", name="王五", id_type="111", id_number=full_width(number))
    assert Applicant.objects.get(pk=person.pk).id_number == number


def test_the_admin_form_takes_a_full_width_citizen_id(admin_client, make_user):
    user = make_user(Role.APPLICANT, username="zhangsan")
    number = citizen_id(serial=41)
    form = admin_client.get(reverse("admin:portal_user_change", args=[user.pk])).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and key != "password"}
    data.update({"username": "zhangsan", "citizen_id": full_width(number), "date_joined_0": "2026-01-05",
                 "date_joined_1": "09:00:00", "groups": [g.pk for g in user.groups.all()]})
    response = admin_client.post(reverse("admin:portal_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.citizen_id == number


# --- downloads -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("uploaded", "served", "content_type", "content"), [
    ("x.html", "x.pdf", "application/pdf", PDF_BYTES),
    ("营业执照.HTML", "营业执照.pdf", "application/pdf", PDF_BYTES),
    ("照片.pdf", "照片.png", "image/png", PNG_BYTES),
    ("..\\..\\evil.svg", "evil.png", "image/png", PNG_BYTES),
])
def test_a_file_downloads_under_the_extension_of_what_it_is(client, applicant_user, uploaded, served, content_type,
                                                          content):
    person = make_person(applicant_user)
    application = services.start_application(applicant_user, person, item=make_item())
    material = next(m for m in application.materials.all() if m.asked)
    stored = services.upload_file(application, material, applicant_user,
                                  SimpleUploadedFile(uploaded, content, content_type="text/html"))
    assert stored.original_name.endswith(uploaded.rsplit("\\", 1)[-1])  # kept for display
    client.force_login(applicant_user)
    url = reverse("applications:file", args=[stored.public_id])
    for download, kind in (("", "inline"), ("?download=1", "attachment")):
        response = client.get(url + download)
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith(kind + ";")
        if served.isascii():
            assert disposition == f'{kind}; filename="{served}"'
        else:
            assert f"filename*=UTF-8''{quote(served)}" in disposition
            ascii_fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
            assert ascii_fallback.isascii() and ascii_fallback.endswith(served[-4:])
        assert ".html" not in disposition.lower() and ".svg" not in disposition.lower()
        assert b"".join(response.streaming_content) == content


def test_download_names_and_headers():
    assert download_name("x.html", "application/pdf", ".pdf") == "x.pdf"
    assert download_name("x.html", "application/pdf") == "x.pdf"
    assert download_name("扫描件", "image/jpeg") == "扫描件.jpg"
    assert download_name(".html", "application/pdf") == "文件.pdf"
    assert download_name('a"b;c\r\n.pdf', "application/pdf") == "a_b_c__.pdf"
    assert download_name("视频.mov", "video/quicktime", ".mov") == "视频.mov"
    assert content_disposition("x.pdf", attachment=True) == 'attachment; filename="x.pdf"'
    assert content_disposition("营业执照.pdf", attachment=False) == (
        "inline; filename=\"download.pdf\"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf")
    assert content_disposition("营业执照 副本A.pdf", attachment=True).startswith(
        'attachment; filename="____ __A.pdf"; filename*=UTF-8\'\'%E8%90%A5')


@given(st.text(max_size=300), st.sampled_from(["application/pdf", "image/jpeg", "image/png", "application/ofd"]))
def test_any_uploaded_name_gives_a_safe_header(name, content_type):
    served = download_name(name, content_type)
    assert served.endswith({"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png",
                            "application/ofd": ".ofd"}[content_type])
    assert "/" not in served and "\\" not in served and len(served) <= 104
    header = content_disposition(served, attachment=True)
    assert header.isascii() and not any(ord(ch) < 32 or ch == "\x7f" for ch in header)
    assert header.count('"') == 2


# --- control characters ----------------------------------------------------------------------------------------


@pytest.fixture
def staff_clients(client, make_user):
    from django.test import Client

    def signed_in(role):
        other = Client()
        other.force_login(make_user(role))
        return other

    return {"public": client, Role.APPLICANT: signed_in(Role.APPLICANT), Role.WINDOW_CLERK: signed_in(Role.WINDOW_CLERK),
            Role.APPROVAL_OFFICER: signed_in(Role.APPROVAL_OFFICER)}


# Every page and API that takes a search text (catalog/api.py, catalog/views.py, applications/api.py and views.py,
# approvals/api.py, case_api.py, views.py and case_views.py).
SEARCHES = [
    ("public", "/guide/", "q"),
    ("public", "/guide/", "theme"),
    ("public", "/api/catalog/items/", "keyword"),
    ("public", "/api/catalog/items/", "theme"),
    (Role.APPLICANT, "/applications/", "q"),
    (Role.APPLICANT, "/api/applications/applications/", "q"),
    (Role.WINDOW_CLERK, "/office/intake/", "q"),
    (Role.WINDOW_CLERK, "/office/intake/new/", "q"),
    (Role.WINDOW_CLERK, "/api/approvals/intake/", "q"),
    (Role.APPROVAL_OFFICER, "/office/cases/", "q"),
    (Role.APPROVAL_OFFICER, "/api/approvals/cases/", "q"),
]


@pytest.mark.parametrize(("who", "path", "param"), SEARCHES)
def test_a_nul_in_any_search_parameter_is_a_400_in_chinese(staff_clients, who, path, param):
    make_item()
    client = staff_clients[who]
    assert client.get(path, {param: "食品"}).status_code == 200  # the page exists and answers this user
    response = client.get(f"{path}?{param}=%E9%A3%9F%00%E5%93%81")
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"
        assert "控制字符" in response.json()["detail"]
    else:
        assert response["Content-Type"].startswith("text/html") and "控制字符" in text_of(response)


@pytest.mark.parametrize("query", ["q=%01", "q=a%0Ab", "q=%7F", "%00=x", "q=ok&page=%1B"])
def test_other_control_characters_in_a_query_string_are_refused(client, query):
    assert client.get(f"/guide/?{query}").status_code == 400


def test_a_nul_in_the_path_is_refused(client):
    response = client.get("/guide/item/1%00/")
    assert response.status_code == 400 and "控制字符" in text_of(response)
    assert client.get("/api/catalog/items/%00/").json()["detail"].startswith("请求中含有")


def test_form_bodies_are_checked_but_not_file_contents(client, applicant_user):
    client.force_login(applicant_user)
    url = reverse("applications:applicants")
    response = client.post(url, {"action": "person", "person-real_name": "张\x00丽华", "person-citizen_id": "x"})
    assert response.status_code == 400 and "控制字符" in text_of(response)
    response = client.post(url, "action=person&person-real_name=%E5%BC%A0%00", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    # A text area may hold line breaks and tabs.
    person = make_person(applicant_user)
    application = services.start_application(applicant_user, person, item=make_item())
    response = client.post(reverse("applications:step_form", args=[application.pk]),
                           {"description": "第一行\r\n第二行\t缩进", "project_name": "丽华小吃店", "action": "save"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.form_data["description"] == "第一行\r\n第二行\t缩进"
    # A PDF is full of NUL bytes: an upload is not refused for them, a field beside it is.
    material = next(m for m in application.materials.all() if m.asked)
    upload_url = reverse("applications:upload", args=[application.pk, material.pk])
    pdf = PDF_BYTES + b"\x00\x01\x02 stream"
    response = client.post(upload_url, {"file": SimpleUploadedFile("扫描件.pdf", pdf, content_type="application/pdf")})
    assert response.status_code in (200, 302) and material.files.count() == 1
    response = client.post(upload_url, {"file": SimpleUploadedFile("a.pdf", pdf), "note": "\x00"})
    assert response.status_code == 400 and material.files.count() == 1


def test_json_bodies_with_control_characters_are_refused(client, applicant_user):
    client.force_login(applicant_user)
    person = make_person(applicant_user)
    application = services.start_application(applicant_user, person, item=make_item())
    url = f"/api/applications/applications/{application.pk}/form/"
    response = client.put(url, json.dumps({"data": {"project_name": "丽华\u0000小吃店"}, "final": False}),
                          content_type="application/json")
    assert response.status_code == 400 and "控制字符" in response.json()["detail"]
    response = client.put(url, json.dumps({"data": {"description": "两行\n文字", "project_name": "丽华小吃店"},
                                           "final": False}), content_type="application/json")
    assert response.status_code == 200, response.content
    application.refresh_from_db()
    assert application.form_data["description"] == "两行\n文字"


def test_the_api_upload_still_reads_its_multipart_fields(client, applicant_user):
    client.force_login(applicant_user)
    person = make_person(applicant_user)
    application = services.start_application(applicant_user, person, item=make_item())
    material = next(m for m in application.materials.all() if m.asked)
    url = f"/api/applications/applications/{application.pk}/files/"
    response = client.post(url, {"material": material.pk, "file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert response.status_code == 201, response.content
    response = client.post(url, {"material": f"{material.pk}\x00", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert response.status_code == 400 and "控制字符" in response.json()["detail"]


def test_the_null_character_message_of_form_fields_is_clear():
    with pytest.raises(ValidationError) as caught:
        forms.CharField().clean("张\x00三")
    assert caught.value.messages == ["不能包含空字符（NUL），请删除后重新输入。"]


# --- dates ---------------------------------------------------------------------------------------------------------


def test_consent_dates_are_bounded(client, applicant_user, make_user):
    agent = make_user(Role.AGENT, real_name="李帮办")
    person = make_person(applicant_user)
    client.force_login(applicant_user)
    url = reverse("applications:consents")
    today = clock.today()
    form = {"applicant": person.pk, "agent": agent.pk, "scope": "", "purpose": "代办"}
    page = text_of(client.get(url))
    assert f'min="{today.isoformat()}"' in page and f'max="{(today + timedelta(days=366)).isoformat()}"' in page
    for until, message in [("9999-12-31", "授权期限最长一年"), ((today + timedelta(days=367)).isoformat(), "授权期限最长一年"),
                           ((today - timedelta(days=1)).isoformat(), "授权截止日期不能早于今天"),
                           ("0001-01-01", "授权截止日期不能早于今天")]:
        response = client.post(url, {**form, "valid_until": until})
        assert response.status_code == 200 and message in text_of(response), until
    assert not person.agent_consents.exists()
    response = client.post(url, {**form, "valid_until": (today + timedelta(days=366)).isoformat()})
    assert response.status_code == 302
    # The service refuses a past date whoever calls it.
    with pytest.raises(DomainError, match="不能早于今天"):
        services.grant_agent_consent(applicant_user, person, agent, purpose="代办",
                                     valid_until=today - timedelta(days=1), valid_from=today - timedelta(days=30))


def test_a_bounded_date_field_follows_today():
    class DateForm(forms.Form):
        day = BoundedDateField(earliest_days=-10, latest_days=5 * 365)

    today = clock.today()
    assert DateForm({"day": today.isoformat()}).is_valid()
    assert not DateForm({"day": (today - timedelta(days=11)).isoformat()}).is_valid()
    assert "日期不能晚于" in str(DateForm({"day": "9999-12-31"}).errors)
    assert DateForm().fields["day"].widget.attrs["min"] == (today - timedelta(days=10)).isoformat()


def test_a_citizen_id_born_in_the_future_is_refused(applicant_user):
    tomorrow = clock.today() + timedelta(days=1)
    with pytest.raises(DomainError, match="出生日期"):
        services.add_person_identity(applicant_user, "张丽华", citizen_id(birth=tomorrow))
    assert services.add_person_identity(applicant_user, "张丽华", citizen_id(birth=date(1990, 3, 15)))
