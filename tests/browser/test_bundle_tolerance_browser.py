"""In a real headless Chromium: the window clerk files a walk-in application for the demo bundle "我要开饭店"
with two materials the applicant will bring later (申请容缺), and accepts it with 容缺受理 in one step; the one
容缺受理通知书 lists both materials with their deadlines (issue 13 item 2)."""
import pytest
from django.urls import reverse

from applications.models import Application, Status
from applications.testing import PDF_BYTES, citizen_id
from approvals.models import ApprovalCase, Notice
from catalog import demo as catalog_demo
from catalog.models import Bundle
from portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_walk_in_bundle_with_two_tolerated_materials_is_accepted_in_one_step(page, sign_in, make_user, settings,
                                                                                  tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    catalog_demo.load(with_forms=False)
    bundle = Bundle.objects.get(title="我要开饭店")
    make_user(Role.WINDOW_CLERK, username="chuangkou", real_name="王窗口")
    number = citizen_id()

    sign_in("chuangkou")
    page.goto(reverse("approvals:walk_in") + f"?target=bundle:{bundle.pk}")
    page.wait_for_selector("[data-testid=chosen-target]")
    page.fill("#id_id_number", number)
    page.fill("#id_name", "王大妈")
    page.fill("#id_contact_mobile", "13900000009")
    page.click("[data-testid=start-walk-in]")
    page.wait_for_selector("[data-testid=walk-in-fill]")
    application = Application.objects.get(applicant__id_number=number)

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

    # The form offers 申请容缺 only on materials whose items allow it, and says which items do not.
    offered = [m for m in application.materials.all() if m.asked and m.tolerable and m.required]
    assert len(offered) == 2
    assert page.locator("[data-testid=tolerate]").count() == len(
        [m for m in application.materials.all() if m.asked and m.tolerable])
    assert "不适用容缺受理" in page.locator("[data-testid=tolerance-note]").inner_text()

    for m in application.materials.all():
        if not m.asked or m.pk in {o.pk for o in offered}:
            continue
        row = page.locator(f"#material-{m.pk}")
        row.locator("input[type=file]").set_input_files(
            {"name": f"扫描件{m.pk}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
        row.locator("button[type=submit]", has_text="上传").click()
        page.wait_for_selector(f"#material-{m.pk} >> text=扫描件{m.pk}.pdf")
    for m in offered:
        page.check(f"input[name=tolerate_{m.pk}]")

    page.click("[data-testid=submit-now]")
    page.wait_for_selector("[data-testid=intake-page]")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    # 容缺受理 is there, with both materials ticked; one click with the paper commitment accepts.
    tolerance = page.locator("[data-testid=outcome-tolerance]")
    tolerance.locator("summary").click()
    rows = tolerance.locator("[data-testid=tolerance-row]")
    tolerable = [m.name for m in application.materials.all() if m.asked and m.tolerable]
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.name)")) == sorted(tolerable)
    for m in offered:
        assert page.is_checked(f"#id_tolerance-t{m.pk}")
    page.fill("#id_tolerance-paper_signatory", "王大妈")
    page.click("[data-testid=tolerance-button]")
    page.wait_for_selector("[data-testid=notice-sheet]")

    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert ApprovalCase.objects.filter(application=application).count() == bundle.entries.count()
    notice = Notice.objects.get(application=application)
    assert notice.kind == Notice.Kind.TOLERANCE
    sheet = page.locator("[data-testid=notice-sheet]").inner_text()
    assert "容缺" in sheet
    for m in application.materials.filter(pk__in=[o.pk for o in offered]):
        assert m.tolerance_due_date is not None
        assert m.name in sheet
        assert f"{m.tolerance_due_date.year}年{m.tolerance_due_date.month}月{m.tolerance_due_date.day}日" in sheet
