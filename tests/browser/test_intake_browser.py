"""In a real headless Chromium: a window clerk takes a walk-in application for the demo bundle "我要开饭店"
(无差别综合受理): finds the bundle, registers the person at the counter by citizen ID, fills the merged form on
their behalf, attaches scanned materials, submits and accepts at once, and sees the acceptance notice with the
promised completion date; the application then shows in nobody's queue and has one case per item."""
import pytest

from applications.models import Application, Status
from applications.testing import PDF_BYTES, citizen_id
from approvals.models import ApprovalCase, Notice
from catalog import demo as catalog_demo
from catalog.models import Bundle
from portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_takes_a_walk_in_application_for_a_bundle_and_accepts_it(page, sign_in, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    catalog_demo.load(with_forms=False)
    bundle = Bundle.objects.get(title="我要开饭店")
    make_user(Role.WINDOW_CLERK, username="chuangkou", real_name="王窗口")
    number = citizen_id()

    sign_in("chuangkou")
    page.click("nav >> text=窗口收件")
    page.wait_for_selector("[data-testid=walk-in]")

    # 1. Find the bundle and choose it.
    page.fill("#id_q", "饭店")
    page.click("[data-testid=catalogue-search]")
    page.wait_for_url("**q=*")
    bundle_row = page.locator("[data-testid=bundle-result]", has_text="我要开饭店")
    bundle_row.locator("text=选择").click()
    page.wait_for_url("**target=bundle*")
    assert page.locator("[data-testid=chosen-target]").inner_text() == "我要开饭店"

    # 2. The person at the counter: a wrong check character first, then the right number with a name.
    page.fill("#id_id_number", number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.click("[data-testid=start-walk-in]")
    assert "证件号码无效" in page.locator("[data-testid=walk-in-applicant]").inner_text()
    page.fill("#id_id_number", number)
    page.fill("#id_name", "王大妈")
    page.fill("#id_contact_mobile", "13900000009")
    page.click("[data-testid=start-walk-in]")
    page.wait_for_selector("[data-testid=walk-in-fill]")
    assert "已登记新申请人 王大妈" in page.content()
    application = Application.objects.get(applicant__id_number=number)
    assert application.bundle == bundle and application.channel == "1"

    # 3. The merged form, filled on their behalf.
    page.fill("#id_project_name", "王大妈家常菜馆")
    page.fill("#id_site_address", "宝塔区南关街18号")
    page.fill("#id_description", "经营热食类食品制售，门头招牌一块")
    page.fill("#id_contact_name", "王大妈")
    page.fill("#id_contact_mobile", "13900000009")
    page.select_option("#id_delivery", "窗口领取")
    if page.locator("#id_food_business_type").count():
        page.select_option("#id_food_business_type", "餐饮服务经营者")
        page.fill("#id_food_business_items", "热食类食品制售")
        page.fill("#id_business_area", "80")
    page.click("button[name=action][value=save]")
    page.wait_for_selector("text=已保存。")

    # 4. Scanned materials for every material the applicant must bring (shared ones are not asked).
    asked = [m.pk for m in application.materials.all() if m.asked]
    assert asked and len(asked) < application.materials.count()  # some are obtained by data sharing
    for pk in asked:
        row = page.locator(f"#material-{pk}")
        row.locator("input[type=file]").set_input_files(
            {"name": f"扫描件{pk}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
        row.locator("button[type=submit]", has_text="上传").click()
        page.wait_for_selector(f"#material-{pk} >> text=扫描件{pk}.pdf")

    # 5. Submit and decide at once: the intake page, claimed by this clerk, with the promised date.
    page.click("[data-testid=submit-now]")
    page.wait_for_selector("[data-testid=intake-page]")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.case_number
    assert page.locator("[data-testid=case-number]").inner_text() == application.case_number
    assert "由 王窗口" in page.locator("[data-testid=claim-box]").inner_text()
    promised_preview = page.locator("[data-testid=promised-date]").inner_text()

    page.fill("#id_accept-opinion", "材料齐全，符合法定形式")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_selector("[data-testid=notice-sheet]")

    # 6. The acceptance notice, with the promised completion date computed by the clock.
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    due = application.promised_due_date
    sheet = page.locator("[data-testid=notice-sheet]").inner_text()
    assert "受理通知书" in sheet and application.case_number in sheet and "王大妈" in sheet
    assert f"{due.year}年{due.month}月{due.day}日" in sheet
    assert promised_preview == f"{due.year}年{due.month}月{due.day}日"
    notice = Notice.objects.get(application=application)
    assert notice.number in page.content()
    cases = ApprovalCase.objects.filter(application=application)
    assert cases.count() == bundle.entries.count() and {c.promised_due_date for c in cases} == {due}

    # The queue no longer lists it.
    page.click("nav >> text=受理队列")
    page.wait_for_selector("[data-testid=intake-queue]")
    assert application.case_number not in page.content()
