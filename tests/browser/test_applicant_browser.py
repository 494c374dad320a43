"""In a real headless Chromium: an applicant registers with an SMS code, binds an identity, applies online for
"食品经营许可" with real PDF and PNG uploads, is asked for a supplement by a window clerk, supplies it and
resubmits, and is accepted; another applicant cannot open the first one's application or files."""
import re
import struct
import zlib

import pytest

from applications.models import Application, Status
from applications.testing import make_item, minimal_pdf
from portal.roles import Role
from portal.sms import ConsoleSMSBackend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def real_pdf() -> bytes:
    """A small but complete one-page PDF (the builders' own: pypdf opens it)."""
    return minimal_pdf("Floor plan")


def real_png(width: int = 8, height: int = 8) -> bytes:
    """A valid RGB PNG (signature, IHDR, zlib-compressed IDAT, IEND, each chunk with its CRC)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xb7\x1c\x1c" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def last_code(mobile: str) -> str:
    for to, text in reversed(ConsoleSMSBackend.sent):
        if to == mobile:
            return re.search(r"验证码为 (\d{6})", text).group(1)
    raise AssertionError(f"no SMS to {mobile}")


def upload(page, row_selector: str, name: str, mime: str, content: bytes) -> None:
    row = page.locator(row_selector)
    row.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": content})
    row.locator("button[type=submit]", has_text="上传").click()
    page.wait_for_load_state("domcontentloaded")


def switch_to(page, sign_in, username: str, password: str = "pass-12345") -> None:
    page.goto("/")
    page.click("text=退出")
    page.wait_for_selector("#id_username")
    sign_in(username, password)
    assert page.locator("[data-testid=user-name]").count() == 1, username


def test_an_applicant_registers_applies_supplements_and_is_accepted(page, sign_in, live_server, make_user,
                                                                     settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    item = make_item("食品经营许可")
    clerk = make_user(Role.WINDOW_CLERK, username="chuangkou", real_name="王窗口")
    pdf, png = real_pdf(), real_png()

    # 1. registration: mobile -> 获取验证码 -> code + password -> signed in
    page.goto("/register/")
    page.fill("#id_mobile", "13912345678")
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=code-sent]")
    page.fill("#id_code", last_code("13912345678"))
    page.fill("#id_real_name", "李小红")
    page.fill("#id_password", "Hong#2026-food")
    page.fill("#id_password2", "Hong#2026-food")
    page.click("[data-testid=register-submit]")
    page.wait_for_selector("[data-testid=no-applicants]")
    assert page.locator("[data-testid=user-name]").inner_text() == "李小红"

    # 2. bind the own identity (citizen ID with its check character)
    page.fill("#id_person-real_name", "李小红")
    page.fill("#id_person-citizen_id", "610602199003150021")
    page.click("[data-testid=person-form] button[type=submit]")
    page.wait_for_selector("[data-testid=applicants]")
    assert "610602********0021" in page.locator("[data-testid=applicants]").inner_text()

    # 3. from the service guide's "在线申请" button to the applicant choice, then the form
    page.goto(f"/guide/item/{item.pk}/")
    page.click("[data-testid=apply-online]")
    page.click("[data-testid=start-application]")
    page.wait_for_selector("[data-testid=application-form]")
    page.fill("#id_project_name", "小红面馆")
    page.click("[data-testid=save-draft]")  # a draft at every step
    page.wait_for_selector("text=草稿已保存")
    page.fill("#id_site_address", "宝塔区南关街12号")
    page.fill("#id_description", "经营热食类食品制售")
    page.select_option("#id_food_business_type", "餐饮服务经营者")
    page.fill("#id_food_business_items", "热食类食品制售")
    page.fill("#id_business_area", "60")
    page.fill("#id_contact_mobile", "13912345678")
    page.click("[data-testid=next-step]")
    page.wait_for_selector("[data-testid=materials]")

    # 4. materials: the shared one is never asked; a non-PDF/PNG is refused in Chinese; real files go in
    assert "由部门共享获取，无需提交" in page.locator("tr[data-name='营业执照']").inner_text()
    assert page.locator("tr[data-name='营业执照'] input[type=file]").count() == 0
    upload(page, "tr[data-name='食品经营许可申请书']", "申请书.docx", "application/msword", b"PK\x03\x04not allowed")
    assert "只接受 PDF、JPG、PNG、OFD 文件" in page.locator(".messages").inner_text()
    upload(page, "tr[data-name='食品经营许可申请书']", "申请书.pdf", "application/pdf", pdf)
    upload(page, "tr[data-name='经营场所平面图']", "平面图.png", "image/png", png)
    upload(page, "tr[data-name='法定代表人身份证明']", "身份证.pdf", "application/pdf", pdf)
    assert "平面图.png" in page.locator("tr[data-name='经营场所平面图']").inner_text()
    page.click("[data-testid=to-review]")
    page.wait_for_selector("[data-testid=review-fields]")
    assert page.locator("[data-testid=missing]").count() == 0
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=submitted]")
    case_number = page.locator("[data-testid=case-number]").inner_text().strip()
    application = Application.objects.get(case_number=case_number)
    assert application.status == Status.SUBMITTED and application.applicant.name == "李小红"
    assert case_number.startswith(item.implementation_code)

    # 5. a window clerk claims it from the intake queue and asks for a supplement (one notice listing the plan)
    switch_to(page, sign_in, clerk.username)
    page.goto("/office/intake/")
    page.click(f"text={case_number}")
    page.wait_for_selector("[data-testid=intake-page]")
    page.locator("[data-testid=claim-box] button", has_text="认领").click()
    page.wait_for_selector("[data-testid=outcome-supplement]")
    row = page.locator("[data-testid=outcome-supplement] [data-testid=supplement-row][data-name='经营场所平面图']")
    row.locator("input[type=checkbox]").check()
    row.locator("input[type=text]").fill("平面图未标注各功能区面积")
    page.click("[data-testid=supplement-button]")
    page.wait_for_load_state("domcontentloaded")
    application.refresh_from_db()
    assert application.status == Status.SUPPLEMENT_REQUESTED
    switch_to(page, sign_in, "13912345678", "Hong#2026-food")
    page.goto(f"/applications/{application.pk}/")

    # 6. the applicant sees the list, uploads the fix and resubmits
    page.wait_for_selector("[data-testid=supplement]")
    row = "[data-testid=supplement-row][data-name='经营场所平面图']"
    assert "平面图未标注各功能区面积" in page.locator(row).inner_text()
    assert page.locator("[data-testid=resubmit]").is_disabled()
    upload(page, row, "平面图-已标注面积.pdf", "application/pdf", pdf)
    page.click("[data-testid=resubmit]")
    page.wait_for_selector("text=补正材料已重新提交")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    # 7. the clerk accepts from the intake page; the applicant sees it, with the notices and the timeline
    switch_to(page, sign_in, clerk.username)
    page.goto(f"/office/intake/{application.pk}/")
    claim = page.locator("[data-testid=claim-box] button", has_text="认领")
    if claim.count():
        claim.click()
        page.wait_for_selector("[data-testid=outcome-accept]")
    page.click("[data-testid=accept-button]")
    page.wait_for_load_state("domcontentloaded")
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    switch_to(page, sign_in, "13912345678", "Hong#2026-food")
    page.goto(f"/applications/{application.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "已受理，审批中"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    for step in ("提交申请", "一次性告知补正", "补正后重新提交", "受理"):
        assert step in timeline
    notices = page.locator("[data-testid=notices]").inner_text()
    assert "补正" in notices and "受理通知书" in notices
    notice_url = page.locator("[data-testid=notices] a", has_text="受理通知书").get_attribute("href")
    assert page.goto(notice_url).status == 200 and case_number in page.content()
    page.goto(f"/applications/{application.pk}/")
    file_link = page.locator("[data-testid=material-files] a", has_text="平面图.png")
    file_url = file_link.get_attribute("href")
    with page.expect_response(lambda r: file_url in r.url) as info:
        page.goto(file_url)
    assert info.value.status == 200 and info.value.headers["content-type"] == "image/png"
    detail_url = f"/applications/{application.pk}/"

    # 8. another applicant cannot open the first one's application or files
    make_user(Role.APPLICANT, username="stranger")
    switch_to(page, sign_in, "stranger")
    for url in (detail_url, file_url, notice_url, f"/applications/{application.pk}/review/"):
        response = page.goto(url)
        assert response.status == 404, url
    page.goto("/applications/")
    assert case_number not in page.content()
    assert "您还没有申请" in page.locator("[data-testid=empty]").inner_text()
