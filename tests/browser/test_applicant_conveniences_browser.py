"""In a real headless Chromium, at desktop width and at 390 px (no sideways scrolling on any page): the bundle guide
links its blank forms; an applicant saves a draft, "继续填写" reopens it at its first incomplete step (the form,
then the materials) and the step indicator marks only complete steps; several files go up in one request, one
by dropping it on the upload form; a replaced file stays listed as 已被替换; the drafts list tells drafts apart;
after submission the receipt (回执) prints without the site's chrome, with a QR code to the progress lookup and a
PDF."""
import base64
import os

import pytest
from django.core.files.base import ContentFile

from applications import services
from applications.models import Application, Status, UploadedFile
from applications.testing import FORM_DATA, make_bundle, make_item, make_person
from catalog.models import Material
from portal.roles import Role
from tests.browser.test_applicant_browser import real_pdf, real_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def snapshot(page, name: str) -> None:
    """With SCREENSHOT_DIR set, keep a picture of the page for a person to look at (not part of the assertions)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def check_width(page, label: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert fits_the_width(page), f"{label}: scrollWidth {widths[0]} > innerWidth {widths[1]}"


def drop_file(page, selector: str, name: str, content: bytes, mime: str) -> None:
    """Drop a file on an element as a person dragging it from the desktop would (a DataTransfer with a File)."""
    page.evaluate(
        """([selector, name, b64, mime]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: mime}));
            const target = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
            }
        }""",
        [selector, name, base64.b64encode(content).decode(), mime],
    )


def step_classes(page) -> list[str]:
    return page.locator("[data-testid=steps] li").evaluate_all("items => items.map(li => li.className)")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_applicant_conveniences_journey(page, sign_in, make_user, viewport):
    page.set_viewport_size(viewport)
    tag = "phone" if viewport is PHONE else "desktop"
    user = make_user(Role.APPLICANT, username="13912345678", real_name="李小红")
    make_person(user, "李小红", "610602199003150021")
    item = make_item("食品经营许可")
    blank = Material.objects.get(item=item, name="食品经营许可申请书")
    blank.blank_form.save("申请书.pdf", ContentFile(real_pdf()), save=True)
    bundle = make_bundle(items=[item, make_item("公共场所卫生许可", materials=["公共场所卫生许可申请表",
                                                                            "法定代表人身份证明"])])
    pdf, png = real_pdf(), real_png()

    # the bundle guide: the blank form where there is one, 无 where there is none
    page.goto(f"/guide/bundle/{bundle.pk}/")
    row = page.locator("[data-testid=bundle-material]", has_text="食品经营许可申请书")
    link = row.locator("[data-testid=blank-form-link]")
    assert link.count() == 1
    download = page.request.get(link.get_attribute("href"))
    assert download.status == 200 and download.body().startswith(b"%PDF")
    assert page.locator("[data-testid=bundle-material]", has_text="经营场所平面图").locator(
        "[data-testid=no-blank-form]").inner_text() == "无"
    check_width(page, "bundle guide")
    snapshot(page, f"conveniences-bundle-{tag}")

    # a draft with only the project name; "继续填写" from 我的办件 reopens the form, not the materials
    sign_in(user.username)
    page.goto(f"/apply/item/{item.pk}/")
    page.click("[data-testid=start-application]")
    page.wait_for_selector("[data-testid=application-form]")
    assert "创建于" in page.locator("[data-testid=draft-created]").inner_text()
    page.fill("#id_project_name", "小红面馆")
    page.click("[data-testid=save-draft]")
    page.wait_for_selector("text=草稿已保存")
    application = Application.objects.get(filed_by=user)
    page.goto("/applications/")
    check_width(page, "my applications")
    page.locator("[data-testid=application-row]", has_text="小红面馆").locator("a", has_text="继续填写").click()
    page.wait_for_selector("[data-testid=application-form]")
    assert page.url.endswith(f"/applications/{application.pk}/form/")
    assert step_classes(page) == ["current", "", ""]
    check_width(page, "form step")

    # the form complete: "继续填写" opens the materials; the form is marked done, nothing else
    for key in ("site_address", "description", "food_business_items", "business_area", "contact_mobile"):
        page.fill(f"#id_{key}", FORM_DATA[key])
    page.select_option("#id_food_business_type", FORM_DATA["food_business_type"])
    page.click("[data-testid=next-step]")
    page.wait_for_selector("[data-testid=materials]")
    page.goto("/applications/")
    page.locator("[data-testid=application-row]", has_text="小红面馆").locator("a", has_text="继续填写").click()
    page.wait_for_selector("[data-testid=materials]")
    assert page.url.endswith(f"/applications/{application.pk}/materials/")
    assert step_classes(page) == ["done", "current", ""]

    # two files for one material in one request (a scan as one multi-page PDF is just one of them)
    plan = "tr[data-name='经营场所平面图']"
    page.locator(plan).locator("input[type=file]").set_input_files([
        {"name": "平面图-第1页.pdf", "mimeType": "application/pdf", "buffer": pdf},
        {"name": "平面图-第2页.png", "mimeType": "image/png", "buffer": png},
    ])
    assert "已选择 2 个文件" in page.locator(plan).locator(".drop-hint").inner_text()
    page.locator(plan).locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("text=平面图-第2页.png")
    assert page.locator(plan).locator("[data-testid=file]").count() == 2

    # dropped on the upload form: the file goes into the form's input and up with "上传"
    form_material = Material.objects.get(item=item, name="食品经营许可申请书")
    row = "tr[data-name='食品经营许可申请书']"
    material_pk = application.materials.get(name=form_material.name).pk
    drop_file(page, f"[data-testid=upload-{material_pk}]", "申请书-扫描件.pdf", pdf, "application/pdf")
    assert "申请书-扫描件.pdf" in page.locator(row).locator(".drop-hint").inner_text()
    page.locator(row).locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("text=申请书-扫描件.pdf")
    assert page.locator(row).locator("[data-testid=file]").count() == 1

    # a corrected scan replaces it: the old one stays, marked 已被替换, and is not the current material
    page.locator(row).locator("input[type=file]").set_input_files(
        {"name": "申请书-更正.pdf", "mimeType": "application/pdf", "buffer": pdf})
    page.locator(row).locator(f"[data-testid=replace-{material_pk}]").check()
    page.locator(row).locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("text=申请书-更正.pdf")
    superseded = page.locator(row).locator("[data-testid=superseded-file]")
    assert superseded.count() == 1 and "申请书-扫描件.pdf" in superseded.inner_text()
    assert "已被替换" in superseded.inner_text()
    assert UploadedFile.objects.get(original_name="申请书-扫描件.pdf").superseded_at is not None
    check_width(page, "materials step")
    snapshot(page, f"conveniences-materials-{tag}")

    # everything there: "继续填写" opens the review with both steps done
    page.locator("tr[data-name='法定代表人身份证明'] input[type=file]").set_input_files(
        {"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": pdf})
    page.locator("tr[data-name='法定代表人身份证明'] button[type=submit]", has_text="上传").click()
    page.wait_for_selector("text=身份证.pdf")
    page.goto(f"/applications/{application.pk}/continue/")
    page.wait_for_selector("[data-testid=review-fields]")
    assert step_classes(page) == ["done", "done", "current"]

    # a second draft of the same item: the apply page tells the two apart (created, applicant, project)
    second = services.start_application(user, application.applicant, item=item)
    services.save_form(second, user, {"project_name": "小红凉皮"})
    page.goto(f"/apply/item/{item.pk}/")
    drafts = page.locator("[data-testid=draft]")
    assert drafts.count() == 2
    texts = drafts.all_inner_texts()
    assert any("小红面馆" in t for t in texts) and any("小红凉皮" in t for t in texts)
    assert all("申请人：李小红" in t and "创建于" in t and "最后保存于" in t for t in texts)
    check_width(page, "apply page with drafts")

    # submit; the receipt: case number, masked ID, limits, materials, a QR code to the lookup; prints alone
    page.goto(f"/applications/{application.pk}/review/")
    assert page.locator("[data-testid=missing]").count() == 0
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=submitted]")
    case_number = page.locator("[data-testid=case-number]").inner_text().strip()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.case_number == case_number
    page.click("[data-testid=receipt-link]")
    page.wait_for_selector("[data-testid=receipt]")
    assert page.locator("[data-testid=receipt-case-number]").inner_text() == case_number
    assert page.locator("[data-testid=receipt-id]").inner_text() == "6****************1"
    assert "承诺 10 个工作日" in page.locator("[data-testid=receipt-limits]").inner_text()
    materials = page.locator("[data-testid=receipt-materials]").inner_text()
    assert "申请书-更正.pdf" in materials and "申请书-扫描件.pdf" not in materials
    assert f"/progress/?case={case_number}" in page.locator("[data-testid=receipt-url]").inner_text()
    assert page.locator("[data-testid=receipt-qr] svg path").count() == 1
    check_width(page, "receipt")
    snapshot(page, f"conveniences-receipt-{tag}")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-testid=print-receipt]").is_visible()
    assert page.locator("[data-testid=receipt]").is_visible()
    page.emulate_media(media="screen")
    pdf_response = page.request.get(page.locator("[data-testid=receipt-pdf]").get_attribute("href"))
    assert pdf_response.status == 200 and pdf_response.body().startswith(b"%PDF")

    # the QR code's address: the lookup with the case number filled in, still asking for the ID ending
    page.goto(f"/progress/?case={case_number}")
    assert page.input_value("#id_case_number") == case_number
    page.fill("#id_id_tail", "0021")
    page.click("[data-testid=progress-form] button[type=submit]")
    page.wait_for_selector("[data-testid=progress-result]")
    check_width(page, "progress lookup")
