"""Issue 13 item 9, applicant conveniences: "continue" opens a draft's first incomplete step and the step indicator
marks only complete steps done; drafts say what tells them apart; the printable receipt (回执) with its QR code;
several files per material in one request (page and API); a replaced file is kept, marked 已被替换 and not
counted; the bundle guide links each material's blank form."""
import re
from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications import services, steps
from applications.models import Application, Status, UploadedFile
from applications.testing import (
    FORM_DATA,
    make_bundle,
    make_item,
    make_person,
    pdf_upload,
    png_upload,
    submitted_application,
)
from approvals.intake import services as intake
from catalog.models import Material
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, applicant_user):
    client.force_login(applicant_user)
    return client


def texts(response) -> str:
    return response.content.decode()


def step_classes(page: str) -> list[str]:
    block = re.search(r'<ol class="steps" data-testid="steps">(.*?)</ol>', page, re.S).group(1)
    return re.findall(r'<li class="([^"]*)">', block)


# --- the steps (pure) ------------------------------------------------------------------------------------------


def test_the_first_incomplete_step_follows_what_the_draft_lacks():
    assert steps.first_incomplete_step(missing_fields=["地址"], missing_materials=[]) == "form"
    # the form first even when the materials are complete (a draft can be uploaded to before the form is done)
    assert steps.first_incomplete_step(missing_fields=["地址"], missing_materials=["平面图"]) == "form"
    assert steps.first_incomplete_step(missing_fields=[], missing_materials=["平面图"]) == "materials"
    assert steps.first_incomplete_step(missing_fields=[], missing_materials=[],
                                       missing_commitments=["容缺受理承诺书"]) == "materials"
    assert steps.first_incomplete_step(missing_fields=[], missing_materials=[]) == "review"


def test_the_step_marks_never_show_an_incomplete_step_done():
    done = steps.completed_steps(missing_fields=["地址"], missing_materials=[])
    assert done == {"materials"}
    marks = {m["key"]: m for m in steps.step_marks("materials", done)}
    assert not marks["form"]["done"] and marks["materials"]["current"] and not marks["materials"]["done"]
    marks = {m["key"]: m for m in steps.step_marks("review", {"form", "materials"})}
    assert marks["form"]["done"] and marks["materials"]["done"] and not marks["review"]["done"]
    with pytest.raises(ValueError):
        steps.step_marks("elsewhere", set())


# --- resume and the step indicator ----------------------------------------------------------------------------


def test_continue_opens_the_first_incomplete_step(signed_in, applicant_user, media, django_assert_max_num_queries):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    resume = reverse("applications:resume", args=[application.pk])
    form_url = reverse("applications:step_form", args=[application.pk])
    materials_url = reverse("applications:step_materials", args=[application.pk])
    review_url = reverse("applications:step_review", args=[application.pk])
    assert signed_in.get(resume)["Location"] == form_url

    # the applicant uploads before the form is complete: "continue" still opens the form, and the materials
    # page does not show step 1 green
    for material in application.materials.all():
        if material.asked:
            services.upload_file(application, material, applicant_user, pdf_upload(f"{material.name}.pdf"))
    services.save_form(application, applicant_user, {"project_name": "丽华小吃店"})
    assert signed_in.get(resume)["Location"] == form_url
    with django_assert_max_num_queries(14):
        page = texts(signed_in.get(materials_url))
    assert step_classes(page) == ["", "current", ""]

    # form complete, one material deleted: continue opens the materials
    services.save_form(application, applicant_user, FORM_DATA, final=True)
    plan = application.materials.get(name="经营场所平面图")
    services.delete_file(plan.files.get(), applicant_user)
    assert signed_in.get(resume)["Location"] == materials_url
    assert step_classes(texts(signed_in.get(review_url))) == ["done", "", "current"]

    # everything there: continue opens the review, both earlier steps done
    services.upload_file(application, plan, applicant_user, pdf_upload("平面图.pdf"))
    assert signed_in.get(resume)["Location"] == review_url
    assert step_classes(texts(signed_in.get(form_url))) == ["current", "done", ""]
    assert step_classes(texts(signed_in.get(review_url))) == ["done", "done", "current"]


def test_drafts_say_when_they_were_made_for_whom_and_what(signed_in, applicant_user, django_assert_max_num_queries):
    item = make_item()
    person = make_person(applicant_user)
    first = services.start_application(applicant_user, person, item=item)
    services.save_form(first, applicant_user, {"project_name": "南关街面馆"})
    second = services.start_application(applicant_user, person, item=item)
    services.save_form(second, applicant_user, {"project_name": "北关街小吃"})
    Application.objects.filter(pk=first.pk).update(created_at=timezone.make_aware(datetime(2025, 1, 2, 9, 30)))
    with django_assert_max_num_queries(14):  # the guide item's prefetches, the applicants, one for the drafts
        page = texts(signed_in.get(reverse("applications:apply_item", args=[item.pk])))
    drafts = re.findall(r'<li data-testid="draft">(.*?)</li>', page, re.S)
    assert len(drafts) == 2
    assert "北关街小吃" in drafts[0] and "南关街面馆" in drafts[1]
    assert all("申请人：张丽华" in d and "创建于" in d and "最后保存于" in d for d in drafts)
    assert "创建于 2025-01-02 09:30" in drafts[1]
    with django_assert_max_num_queries(10):
        page = texts(signed_in.get(reverse("applications:list")))
    assert "北关街小吃" in page and "南关街面馆" in page and "创建于 2025-01-02" in page
    assert "创建于" in texts(signed_in.get(reverse("applications:step_form", args=[first.pk])))


# --- several files per material, superseded files ------------------------------------------------------------


def test_several_files_go_up_in_one_request_each_checked(signed_in, applicant_user, media):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    plan = application.materials.get(name="经营场所平面图")
    url = reverse("applications:upload", args=[application.pk, plan.pk])
    page = texts(signed_in.get(reverse("applications:step_materials", args=[application.pk])))
    assert 'name="file" multiple' in page and "data-dropzone" in page and "<script>" not in page
    response = signed_in.post(url, {"file": [pdf_upload("第1页.pdf"), png_upload("第2页.png"),
                                             pdf_upload("病毒.pdf", b"MZ\x90\x00 payload")]}, follow=True)
    page = texts(response)
    assert "第1页.pdf" in page and "第2页.png" in page
    assert "病毒.pdf" in page and "只接受 PDF、JPG、PNG、OFD 文件" in page
    assert sorted(plan.files.values_list("original_name", flat=True)) == ["第1页.pdf", "第2页.png"]
    # too many at once is refused before anything is stored
    response = signed_in.post(url, {"file": [pdf_upload(f"{n}.pdf") for n in range(21)]}, follow=True)
    assert "一次最多上传 20 个文件" in texts(response) and plan.files.count() == 2


def test_a_replacement_keeps_the_old_file_marked_superseded(signed_in, applicant_user, media,
                                                            django_assert_max_num_queries):
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    plan = application.materials.get(name="经营场所平面图")
    url = reverse("applications:upload", args=[application.pk, plan.pk])
    signed_in.post(url, {"file": [pdf_upload("旧平面图.pdf")]})
    materials_url = reverse("applications:step_materials", args=[application.pk])
    assert f'data-testid="replace-{plan.pk}"' in texts(signed_in.get(materials_url))
    signed_in.post(url, {"file": [pdf_upload("新平面图.pdf")], "replace": "1"})
    old = UploadedFile.objects.get(original_name="旧平面图.pdf")
    new = UploadedFile.objects.get(original_name="新平面图.pdf")
    assert old.superseded_at == new.uploaded_at and new.superseded_at is None
    with django_assert_max_num_queries(14):
        page = texts(signed_in.get(materials_url))
    assert 'data-testid="superseded-file"' in page and "已被替换（" in page
    # not counted: with only the superseded file the material is missing
    services.delete_file(new, applicant_user)  # taking the replacement back restores the old one
    old.refresh_from_db()
    assert old.superseded_at is None
    signed_in.post(url, {"file": [pdf_upload("新平面图.pdf")], "replace": "1"})
    UploadedFile.objects.filter(original_name="新平面图.pdf").delete()  # past the service: only the superseded one left
    old.refresh_from_db()
    assert old.superseded_at is not None
    fresh = Application.objects.prefetch_related("materials__files", "items__item_version", "commitments").get(
        pk=application.pk)
    assert "经营场所平面图" in services.readiness(fresh).missing_materials


def test_a_supplement_supersedes_the_files_it_replaces_on_both_sides(client, signed_in, applicant_user, make_user,
                                                                     media):
    clerk = make_user(Role.WINDOW_CLERK, real_name="王窗口")
    application = submitted_application(applicant_user)
    plan = application.materials.get(name="经营场所平面图")
    intake.request_supplement(application, clerk, [(plan, "平面图未标注面积")])
    detail = reverse("applications:detail", args=[application.pk])
    signed_in.post(reverse("applications:upload", args=[application.pk, plan.pk]),
                   {"file": [pdf_upload("平面图-已标注.pdf"), pdf_upload("平面图-第2页.pdf")], "next": detail})
    old = plan.files.get(original_name="经营场所平面图.pdf")
    assert old.superseded_at is None  # until the supplement is submitted
    signed_in.post(reverse("applications:resubmit", args=[application.pk]))
    old.refresh_from_db()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and old.superseded_at is not None
    assert plan.files.filter(superseded_at__isnull=True).count() == 2
    assert UploadedFile.objects.filter(application=application, superseded_at__isnull=False).count() == 1
    page = texts(signed_in.get(detail))
    assert page.count('data-testid="superseded-file"') == 1 and "已被替换（" in page
    client.force_login(clerk)
    page = texts(client.get(reverse("approvals:intake", args=[application.pk])))
    assert page.count('data-testid="superseded-file"') == 1 and "已被替换（" in page


def test_the_api_takes_several_files_at_once(client, applicant_user, media):
    client.force_login(applicant_user)
    application = services.start_application(applicant_user, make_person(applicant_user), item=make_item())
    plan = application.materials.get(name="经营场所平面图")
    url = f"/api/applications/applications/{application.pk}/files/batch/"
    response = client.post(url, {"material": plan.pk, "files": [pdf_upload("a.pdf"), png_upload("b.png"),
                                                                  pdf_upload("c.pdf", b"not a pdf")]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [f["original_name"] for f in body["stored"]] == ["a.pdf", "b.png"]
    assert body["refused"][0]["name"] == "c.pdf" and body["refused"][0]["errors"]
    response = client.post(url, {"material": plan.pk, "files": [pdf_upload("d.pdf")], "replace": "true"})
    assert response.status_code == 201
    assert set(plan.files.filter(superseded_at__isnull=False).values_list("original_name", flat=True)) == {
        "a.pdf", "b.png"}
    response = client.post(url, {"material": plan.pk, "files": [pdf_upload("e.pdf", b"junk")]})
    assert response.status_code == 400 and "e.pdf" in str(response.json()["detail"])
    detail = client.get(f"/api/applications/applications/{application.pk}/").json()
    files = next(m for m in detail["materials"] if m["id"] == plan.pk)["files"]
    assert {f["original_name"]: bool(f["superseded_at"]) for f in files} == {
        "a.pdf": True, "b.png": True, "d.pdf": False}


# --- the receipt (回执) --------------------------------------------------------------------------------------------


def test_the_receipt_is_printable_with_a_qr_code_to_the_lookup(client, signed_in, applicant_user, make_user, settings,
                                                               media, django_assert_max_num_queries):
    settings.PUBLIC_BASE_URL = "https://zwfw.example.gov.cn"
    person = make_person(applicant_user, id_number="610602199003150021")
    application = submitted_application(applicant_user, person)
    url = reverse("applications:receipt", args=[application.pk])
    assert url in texts(signed_in.get(reverse("applications:submitted", args=[application.pk])))
    assert url in texts(signed_in.get(reverse("applications:detail", args=[application.pk])))
    with django_assert_max_num_queries(12):
        page = texts(signed_in.get(url))
    assert application.case_number in page and "申请材料接收回执" in page
    assert "6****************1" in page and "610602199003150021" not in page and "0021" not in page
    assert "食品经营许可" in page and "承诺 10 个工作日（法定 20 个工作日）" in page
    assert "食品经营许可申请书.pdf" in page and "部门共享获取" in page
    lookup = f"https://zwfw.example.gov.cn/progress/?case={application.case_number}"
    assert lookup in page and "<svg" in page and 'data-testid="receipt-qr"' in page
    assert "data-print" in page and "onclick" not in page

    response = signed_in.get(reverse("applications:receipt_pdf", args=[application.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    # the lookup the QR code opens has the case number filled in, and still asks for the ID number's ending
    page = texts(client.get(f"/progress/?case={application.case_number}"))
    assert f'value="{application.case_number}"' in page and 'name="id_tail"' in page

    # a draft has no receipt; someone else's application answers 404
    draft = services.start_application(applicant_user, person, item=make_item())
    assert signed_in.get(reverse("applications:receipt", args=[draft.pk])).status_code == 404
    client.force_login(make_user(Role.APPLICANT, username="other"))
    assert client.get(url).status_code == 404
    assert client.get(reverse("applications:receipt_pdf", args=[application.pk])).status_code == 404


# --- the bundle guide's blank forms ------------------------------------------------------------------------------


def test_the_bundle_guide_links_each_blank_form_or_says_none(client, media, django_assert_max_num_queries):
    bundle = make_bundle()
    food_form = Material.objects.get(item__name="食品经营许可", name="食品经营许可申请书")
    food_form.blank_form.save("申请书.pdf", ContentFile(b"%PDF-1.4\n% blank\n"), save=True)
    with django_assert_max_num_queries(8):
        page = texts(client.get(reverse("catalog:bundle", args=[bundle.pk])))
    assert "下载空白表格" in page
    rows = re.findall(r'<tr data-testid="bundle-material">(.*?)</tr>', page, re.S)
    by_name = {re.search(r"<strong>(.*?)</strong>", row).group(1): row for row in rows}
    assert reverse("catalog:material_file", args=[food_form.pk, "form"]) in by_name["食品经营许可申请书"]
    assert 'data-testid="no-blank-form"' in by_name["经营场所平面图"]
    assert 'data-testid="no-blank-form"' in by_name["法定代表人身份证明"]  # asked by both items, no form
    response = client.get(reverse("catalog:material_file", args=[food_form.pk, "form"]))
    assert response.status_code == 200
