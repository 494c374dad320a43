"""The applicant's pages through Django's test client: registration, identities, consents, the steps of an
online application, "my applications", supplements, withdrawal, files, the public lookup, and who sees what."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import Application, Commitment, Status, UploadedFile
from applications.testing import (
    FORM_DATA,
    PDF_BYTES,
    complete_draft,
    credit_code,
    make_bundle,
    make_item,
    make_person,
    pdf_upload,
    png_upload,
    submitted_application,
)
from approvals.intake import services as intake
from portal.models import User
from portal.roles import Role
from portal.sms import ConsoleSMSBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, applicant_user):
    client.force_login(applicant_user)
    return client


def texts(response) -> str:
    return response.content.decode()


def last_code(mobile):
    for to, text in reversed(ConsoleSMSBackend.sent):
        if to == mobile:
            return re.search(r"验证码为 (\d{6})", text).group(1)
    raise AssertionError("no SMS sent")


# --- registration and identities -----------------------------------------------------------------------------


def test_registration_sends_a_code_then_signs_the_new_account_in(client, django_capture_on_commit_callbacks):
    url = reverse("applications:register")
    response = client.post(url, {"mobile": "1391234", "action": "send_code"})
    assert "请输入11位中国大陆手机号码" in texts(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"mobile": "13912340001", "action": "send_code"})
    assert 'data-testid="code-sent"' in texts(response)
    response = client.post(url, {"mobile": "13912340001", "action": "send_code"})
    assert "秒后再获取" in texts(response)
    code = last_code("13912340001")
    wrong = "000000" if code != "000000" else "111111"
    base = {"mobile": "13912340001", "real_name": "王五", "password": "Kx9#mobile-pass",
            "password2": "Kx9#mobile-pass", "action": "register"}
    assert "验证码不正确" in texts(client.post(url, {**base, "code": wrong}))
    assert "两次输入的密码不一致" in texts(client.post(url, {**base, "code": code, "password2": "x"}))
    response = client.post(url + "?next=/apply/item/1/", {**base, "code": code, "next": "/apply/item/1/"})
    assert response.status_code == 302 and response["Location"] == "/apply/item/1/"
    user = User.objects.get(username="13912340001")
    assert user.has_role(Role.APPLICANT) and int(client.session["_auth_user_id"]) == user.pk
    # an unsafe next is ignored
    client.logout()
    assert "验证码已发送" not in texts(client.get(url + "?next=https://evil.example/"))


def test_identities_are_checked_and_listed(signed_in, applicant_user):
    url = reverse("applications:applicants")
    response = signed_in.get(url)
    assert 'data-testid="no-applicants"' in texts(response)
    response = signed_in.post(url, {"action": "person", "person-real_name": "张丽华",
                                    "person-citizen_id": "610602199003150022"})
    assert "末位校验码" in texts(response)
    assert signed_in.post(url, {"action": "person", "person-real_name": "张丽华",
                                "person-citizen_id": "610602199003150021"}).status_code == 302
    response = signed_in.post(url, {"action": "enterprise", "enterprise-name": "丽华餐饮有限公司",
                                    "enterprise-credit_code": "91610602MA0000001X",
                                    "enterprise-legal_representative": "张丽华", "enterprise-relation": "legal_rep"})
    assert "统一社会信用代码无效" in texts(response)
    code = credit_code()
    assert signed_in.post(url, {"action": "enterprise", "enterprise-name": "丽华餐饮有限公司",
                                "enterprise-credit_code": code, "enterprise-legal_representative": "张丽华",
                                "enterprise-relation": "legal_rep"}).status_code == 302
    page = texts(signed_in.get(url))
    assert "610602********0021" in page and code in page and "丽华餐饮有限公司" in page
    assert 'data-testid="person-form"' not in page  # the own identity is bound once


def test_an_applicant_grants_and_revokes_a_consent_and_the_agent_sees_it(client, applicant_user, make_user):
    agent = make_user(Role.AGENT, real_name="李帮办")
    person = make_person(applicant_user)
    item = make_item()
    client.force_login(applicant_user)
    url = reverse("applications:consents")
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(url, {"applicant": person.pk, "agent": agent.pk, "scope": f"item:{item.pk}",
                                 "purpose": "", "valid_until": until})
    assert "此项为必填项" in texts(response)
    too_long = (timezone.localdate() + timedelta(days=800)).isoformat()
    response = client.post(url, {"applicant": person.pk, "agent": agent.pk, "scope": f"item:{item.pk}",
                                 "purpose": "代办食品经营许可", "valid_until": too_long})
    assert "授权期限最长一年" in texts(response)
    response = client.post(url, {"applicant": person.pk, "agent": agent.pk, "scope": f"item:{item.pk}",
                                 "purpose": "代办食品经营许可", "valid_until": until})
    assert response.status_code == 302
    consent = person.agent_consents.get()
    assert consent.item == item and consent.agent == agent
    client.force_login(agent)
    page = texts(client.get(url))
    assert 'data-testid="consents-held"' in page and "张丽华" in page
    # the agent may file for the applicant for that item
    response = client.get(reverse("applications:apply_item", args=[item.pk]))
    assert "代办授权至" in texts(response)
    # the agent cannot revoke what the applicant gave (not theirs to list): 404
    assert client.post(reverse("applications:consent_revoke", args=[consent.pk])).status_code == 404
    client.force_login(applicant_user)
    assert client.post(reverse("applications:consent_revoke", args=[consent.pk])).status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None


# --- the online application ----------------------------------------------------------------------------------


def test_apply_needs_sign_in_and_returns_there(client):
    item = make_item()
    url = reverse("applications:apply_item", args=[item.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/apply/item/")
    assert client.get(reverse("applications:apply_item", args=[999999])).status_code == 302  # login first


def test_the_guide_buttons_point_at_the_apply_pages(client, applicant_user):
    item = make_item()
    bundle = make_bundle(items=[item, make_item("公共场所卫生许可", materials=["公共场所卫生许可申请表"])])
    assert f'href="{reverse("applications:apply_item", args=[item.pk])}"' in texts(
        client.get(reverse("catalog:item", args=[item.pk])))
    assert f'href="{reverse("applications:apply_bundle", args=[bundle.pk])}"' in texts(
        client.get(reverse("catalog:bundle", args=[bundle.pk])))


def test_an_unpublished_item_answers_404_and_no_identity_is_explained(signed_in, applicant_user):
    hidden = make_item("未发布事项", publish=False)
    assert signed_in.get(reverse("applications:apply_item", args=[hidden.pk])).status_code == 404
    page = texts(signed_in.get(reverse("applications:apply_item", args=[make_item().pk])))
    assert 'data-testid="no-applicant"' in page and "请先绑定本人身份" in page


def test_the_whole_online_application_in_steps(signed_in, applicant_user, media):
    item = make_item(tolerance=True)
    person = make_person(applicant_user)
    company = services.add_enterprise(applicant_user, name="丽华餐饮有限公司", credit_code=credit_code(),
                                      legal_representative="张丽华")
    url = reverse("applications:apply_item", args=[item.pk])
    page = texts(signed_in.get(url))
    assert person.name in page and company.name in page
    response = signed_in.post(url, {"applicant": company.pk})
    application = Application.objects.get(filed_by=applicant_user)
    assert response["Location"] == reverse("applications:step_form", args=[application.pk])
    assert application.applicant == company

    # step 1: the form; a draft keeps what is valid, "next" needs it all
    form_url = reverse("applications:step_form", args=[application.pk])
    page = texts(signed_in.get(form_url))
    assert "主体业态" in page and "经营场所面积" in page  # the item's own fields
    response = signed_in.post(form_url, {"project_name": "丽华小吃店", "contact_mobile": "123", "action": "save"})
    assert response.status_code == 400 and "请输入11位中国大陆手机号码" in texts(response)
    application.refresh_from_db()
    assert application.form_data["project_name"] == "丽华小吃店"
    response = signed_in.post(form_url, {"project_name": "丽华小吃店", "action": "next"})
    assert response.status_code == 400 and "请填写项目或经营场所地址" in texts(response)
    response = signed_in.post(form_url, {**FORM_DATA, "action": "next"})
    assert response["Location"] == reverse("applications:step_materials", args=[application.pk])
    # resumable: "continue" goes to the step reached
    assert signed_in.get(reverse("applications:resume", args=[application.pk]))["Location"] == response["Location"]

    # step 2: materials; shared ones are never asked; uploads are sniffed with Chinese messages
    materials_url = response["Location"]
    page = texts(signed_in.get(materials_url))
    assert "由部门共享获取，无需提交" in page
    shared = application.materials.get(name="营业执照")
    assert f'action="{reverse("applications:upload", args=[application.pk, shared.pk])}"' not in page
    response = signed_in.post(reverse("applications:upload", args=[application.pk, shared.pk]),
                              {"file": pdf_upload()}, follow=True)
    assert "由部门通过数据共享获取，无需上传" in texts(response)
    form_material = application.materials.get(name="食品经营许可申请书")
    upload_url = reverse("applications:upload", args=[application.pk, form_material.pk])
    response = signed_in.post(upload_url, {"file": pdf_upload("病毒.pdf", b"MZ\x90\x00 payload")}, follow=True)
    assert "不是可接受的格式：只接受 PDF、JPG、PNG、OFD 文件" in texts(response)
    response = signed_in.post(upload_url, {}, follow=True)
    assert "请选择要上传的文件" in texts(response)
    response = signed_in.post(upload_url, {"file": pdf_upload("申请书.pdf")}, follow=True)
    assert "已上传：申请书.pdf" in texts(response)
    id_material = application.materials.get(name="法定代表人身份证明")
    signed_in.post(reverse("applications:upload", args=[application.pk, id_material.pk]), {"file": png_upload()})
    plan = application.materials.get(name="经营场所平面图")
    assert plan.tolerable

    # step 3: review shows what is missing and does not submit it
    review_url = reverse("applications:step_review", args=[application.pk])
    page = texts(signed_in.get(review_url))
    assert "以下必要材料尚未上传：经营场所平面图" in page
    response = signed_in.post(reverse("applications:submit", args=[application.pk]), follow=True)
    assert "经营场所平面图" in texts(response) and Application.objects.get(pk=application.pk).status == Status.DRAFT

    # 容缺: ask to supply the plan later, then sign the commitment
    signed_in.post(reverse("applications:tolerance", args=[application.pk, plan.pk]), {"requested": "1"})
    page = texts(signed_in.get(review_url))
    assert "需要签署容缺受理承诺书" in page
    response = signed_in.post(reverse("applications:commitment_sign", args=[application.pk, "tolerance"]),
                              {"signatory_name": "冒名", "agree": "on"}, follow=True)
    assert "请签署申请人（或法定代表人）的姓名" in texts(response)
    response = signed_in.post(reverse("applications:commitment_sign", args=[application.pk, "tolerance"]),
                              {"signatory_name": "丽华餐饮有限公司"}, follow=True)
    assert "请勾选" in texts(response)
    signed_in.post(reverse("applications:commitment_sign", args=[application.pk, "tolerance"]),
                   {"signatory_name": "张丽华", "agree": "on"})
    assert application.commitments.get().kind == Commitment.Kind.TOLERANCE

    response = signed_in.post(reverse("applications:submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert response["Location"] == reverse("applications:submitted", args=[application.pk])
    page = texts(signed_in.get(response["Location"]))
    assert application.case_number in page and 'data-testid="case-number"' in page
    # a submitted application's steps lead to its detail page; its form is no longer editable
    assert signed_in.get(form_url)["Location"] == reverse("applications:detail", args=[application.pk])


def test_a_licensing_commitment_is_offered_only_where_the_item_allows_it(signed_in, applicant_user):
    person = make_person(applicant_user)
    plain = services.start_application(applicant_user, person, item=make_item())
    assert 'data-testid="licensing-commitment"' not in texts(
        signed_in.get(reverse("applications:step_review", args=[plain.pk])))
    response = signed_in.post(reverse("applications:commitment_sign", args=[plain.pk, "licensing"]),
                              {"signatory_name": "张丽华", "agree": "on"}, follow=True)
    assert "该事项不适用告知承诺制" in texts(response)
    allowed = services.start_application(applicant_user, person, item=make_item(commitment=True))
    page = texts(signed_in.get(reverse("applications:step_review", args=[allowed.pk])))
    assert 'data-testid="licensing-commitment"' in page and "有与经营的食品品种" in page
    signed_in.post(reverse("applications:commitment_sign", args=[allowed.pk, "licensing"]),
                   {"signatory_name": "张丽华", "agree": "on"})
    assert allowed.commitments.get().kind == Commitment.Kind.LICENSING


def test_a_draft_can_be_discarded_and_a_bundle_asks_its_merged_list(signed_in, applicant_user):
    person = make_person(applicant_user)
    bundle = make_bundle()
    response = signed_in.post(reverse("applications:apply_bundle", args=[bundle.pk]), {"applicant": person.pk})
    application = Application.objects.get(bundle=bundle)
    page = texts(signed_in.get(reverse("applications:step_materials", args=[application.pk])))
    assert page.count('data-name="法定代表人身份证明"') == 1 and "公共场所卫生许可申请表" in page
    # the apply page offers to continue the draft
    assert 'data-testid="existing-drafts"' in texts(signed_in.get(reverse("applications:apply_bundle",
                                                                             args=[bundle.pk])))
    assert response.status_code == 302
    signed_in.post(reverse("applications:discard", args=[application.pk]))
    assert not Application.objects.filter(pk=application.pk).exists()


# --- my applications -----------------------------------------------------------------------------------------


def test_the_list_filters_searches_paginates_and_has_an_empty_state(signed_in, applicant_user,
                                                                      django_assert_max_num_queries):
    url = reverse("applications:list")
    assert "您还没有申请" in texts(signed_in.get(url))
    person = make_person(applicant_user)
    item = make_item()
    first = submitted_application(applicant_user, person, item=item)
    for _ in range(21):
        services.start_application(applicant_user, person, item=item)
    with django_assert_max_num_queries(8):
        response = signed_in.get(url)
    page = texts(response)
    assert page.count('data-testid="application-row"') == 20 and "第 1 / 2 页，共 22 条" in page
    with django_assert_max_num_queries(8):
        page = texts(signed_in.get(url, {"status": "submitted"}))
    assert page.count('data-testid="application-row"') == 1 and first.case_number in page
    page = texts(signed_in.get(url, {"q": first.case_number[-8:]}))
    assert page.count('data-testid="application-row"') == 1
    page = texts(signed_in.get(url, {"q": "没有这个"}))
    assert "没有符合条件的办件" in page
    page = texts(signed_in.get(url, {"status": "draft", "page": 2}))
    assert page.count('data-testid="application-row"') == 1 and "status=draft&amp;page=1" in page


def test_the_detail_shows_timeline_notices_and_answers_a_supplement(signed_in, applicant_user, make_user,
                                                                     django_assert_max_num_queries):
    clerk = make_user(Role.WINDOW_CLERK, real_name="王窗口")
    application = submitted_application(applicant_user)
    faulty = application.materials.get(name="经营场所平面图")
    intake.request_supplement(application, clerk, [(faulty, "平面图未标注面积"), ("卫生管理制度", "缺少该材料")])
    url = reverse("applications:detail", args=[application.pk])
    with django_assert_max_num_queries(15):  # 14 + the notes other apps add (a renewal's licence: one lookup)
        response = signed_in.get(url)
    page = texts(response)
    assert 'data-testid="supplement"' in page and "平面图未标注面积" in page and "卫生管理制度" in page
    assert "一次性告知补正" in page and "提交申请" in page  # the timeline
    assert "王窗口" not in page and "综合窗口受理人员" in page  # a role, not a name
    assert reverse("approvals:notice", args=[application.notices.get().public_id]) in page
    assert 'data-testid="resubmit" disabled' in page
    response = signed_in.post(reverse("applications:resubmit", args=[application.pk]), follow=True)
    assert "以下补正材料尚未上传" in texts(response)
    for material in application.materials.filter(supplement_items__isnull=False):
        signed_in.post(reverse("applications:upload", args=[application.pk, material.pk]),
                       {"file": pdf_upload(f"{material.name}.pdf"), "next": url})
    page = texts(signed_in.get(url))
    assert 'data-testid="resubmit" disabled' not in page
    response = signed_in.post(reverse("applications:resubmit", args=[application.pk]), follow=True)
    assert "补正材料已重新提交" in texts(response)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    intake.accept(application, clerk)
    page = texts(signed_in.get(url))
    assert "已受理，审批中" in page and 'data-testid="promised-due"' in page and "受理通知书" in page


def test_a_tolerated_material_is_supplied_after_acceptance(signed_in, applicant_user, make_user):
    clerk = make_user(Role.WINDOW_CLERK)
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item(tolerance=True))
    complete_draft(application, applicant_user, skip=("经营场所平面图",))
    plan = application.materials.get(name="经营场所平面图")
    services.request_tolerance(application, plan, applicant_user, True)
    services.sign_commitment(application, applicant_user, Commitment.Kind.TOLERANCE, "张丽华")
    application = services.submit(application, applicant_user)
    intake.accept_with_tolerance(application, clerk, {plan.pk: None})
    url = reverse("applications:detail", args=[application.pk])
    page = texts(signed_in.get(url))
    assert 'data-testid="tolerated"' in page and "经营场所平面图" in page
    signed_in.post(reverse("applications:upload", args=[application.pk, plan.pk]), {"file": pdf_upload(), "next": url})
    plan.refresh_from_db()
    assert plan.supplied_at is not None
    assert 'data-testid="tolerated"' not in texts(signed_in.get(url))


def test_an_agent_files_through_the_pages_only_with_a_consent(client, applicant_user, make_user):
    agent = make_user(Role.AGENT)
    person = make_person(applicant_user)
    item = make_item()
    client.force_login(agent)
    url = reverse("applications:apply_item", args=[item.pk])
    assert 'data-testid="no-applicant"' in texts(client.get(url))
    response = client.post(url, {"applicant": person.pk})
    assert response.status_code == 400 and "请选择申请人" in texts(response)
    services.grant_agent_consent(applicant_user, person, agent, item=item, purpose="代办",
                                 valid_until=timezone.localdate() + timedelta(days=5))
    response = client.post(url, {"applicant": person.pk})
    application = Application.objects.get(filed_by=agent)
    assert response["Location"] == reverse("applications:step_form", args=[application.pk])
    assert application.agent_consent is not None and application.applicant == person
    # the applicant sees the draft the agent started in the list
    client.force_login(applicant_user)
    assert reverse("applications:resume", args=[application.pk]) in texts(client.get(reverse("applications:list")))


def test_withdrawal_needs_a_reason(signed_in, applicant_user):
    application = submitted_application(applicant_user)
    url = reverse("applications:withdraw", args=[application.pk])
    response = signed_in.post(url, {"reason": ""}, follow=True)
    assert "请填写撤回原因" in texts(response)
    signed_in.post(url, {"reason": "经营场所变更"})
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN and application.end_reason == "经营场所变更"
    response = signed_in.post(url, {"reason": "再撤一次"}, follow=True)
    assert "不能执行此操作" in texts(response)


# --- files and permissions -------------------------------------------------------------------------------------


def test_files_only_through_the_checked_view_and_others_get_404(client, applicant_user, make_user):
    application = submitted_application(applicant_user)
    stored = application.files.first()
    file_url = reverse("applications:file", args=[stored.public_id])
    assert client.get(file_url).status_code == 302  # sign in first
    client.force_login(applicant_user)
    response = client.get(file_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    other = make_user(Role.APPLICANT)
    client.force_login(other)
    pk = application.pk
    material = application.materials.exclude(source="shared").first()
    for url in [
        reverse("applications:detail", args=[pk]), reverse("applications:step_form", args=[pk]),
        reverse("applications:step_materials", args=[pk]), reverse("applications:step_review", args=[pk]),
        reverse("applications:submitted", args=[pk]), file_url,
    ]:
        assert client.get(url).status_code == 404, url
    for url, data in [
        (reverse("applications:withdraw", args=[pk]), {"reason": "恶意"}),
        (reverse("applications:resubmit", args=[pk]), {}),
        (reverse("applications:upload", args=[pk, material.pk]), {"file": pdf_upload()}),
        (reverse("applications:file_delete", args=[stored.public_id]), {}),
        (reverse("applications:submit", args=[pk]), {}),
        (reverse("applications:discard", args=[pk]), {}),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert Application.objects.get(pk=pk).status == Status.SUBMITTED and UploadedFile.objects.filter(pk=stored.pk)
    assert application.case_number not in texts(client.get(reverse("applications:list")))
    # the intake desk opens the file through the staff view (approvals.policy), not the applicant side's
    client.force_login(make_user(Role.WINDOW_CLERK))
    assert client.get(file_url).status_code == 404
    assert client.get(reverse("approvals:file", args=[stored.public_id])).status_code == 200


def test_a_draft_file_is_deleted_and_a_submitted_one_is_not(signed_in, applicant_user):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    material = application.materials.get(name="食品经营许可申请书")
    stored = services.upload_file(application, material, applicant_user, pdf_upload())
    signed_in.post(reverse("applications:file_delete", args=[stored.public_id]))
    assert not UploadedFile.objects.filter(pk=stored.pk).exists()
    complete_draft(application, applicant_user)
    services.submit(application, applicant_user)
    kept = application.files.first()
    response = signed_in.post(reverse("applications:file_delete", args=[kept.public_id]), follow=True)
    assert "不能删除" in texts(response) and UploadedFile.objects.filter(pk=kept.pk).exists()


# --- the public lookup -------------------------------------------------------------------------------------------


def test_the_public_lookup_shows_progress_without_personal_data(client, applicant_user, make_user, settings):
    application = submitted_application(applicant_user)
    clerk = make_user(Role.WINDOW_CLERK, real_name="王窗口")
    intake.accept(application, clerk, opinion="材料齐全")
    url = reverse("applications:progress")
    assert client.get(url).status_code == 200
    tail = application.applicant.id_number[-4:]
    page = texts(client.post(url, {"case_number": application.case_number, "id_tail": tail}))
    assert 'data-testid="progress-result"' in page and "已受理，审批中" in page and "受理" in page
    for personal in (application.applicant.name, application.applicant.id_number, "王窗口", "材料齐全",
                     FORM_DATA["site_address"]):
        assert personal not in page
    wrong = "0000" if tail != "0000" else "1111"
    page = texts(client.post(url, {"case_number": application.case_number, "id_tail": wrong}))
    assert 'data-testid="not-found"' in page
    assert "请输入证件号码后4位或后6位" in texts(client.post(url, {"case_number": "X", "id_tail": "12"}))
    settings.LOGIN_FAILURE_LIMIT = 2
    client.post(url, {"case_number": application.case_number, "id_tail": wrong})
    page = texts(client.post(url, {"case_number": application.case_number, "id_tail": tail}))
    assert "失败次数过多" in page and 'data-testid="progress-result"' not in page
    # The applicant looking from another address is not held up by those guesses.
    page = texts(client.post(url, {"case_number": application.case_number, "id_tail": tail},
                             REMOTE_ADDR="192.0.2.7"))
    assert 'data-testid="progress-result"' in page
