"""In a real headless Chromium: a walk-in applicant who owes a paper after the supplement notice comes back to the
window; the clerk opens 补正收件, finds the application by the applicant's ID number, sees what is owed and by
when, uploads the scan, resubmits on the applicant's behalf, and the application is back in the intake queue
marked as resubmitted after a supplement."""
import pytest

from applications import services as app_services
from applications import testing as app_testing
from applications.models import Status
from applications.testing import PDF_BYTES, complete_draft, make_item
from approvals.intake import services as intake_services
from portal.models import AuditEvent
from portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_takes_the_owed_papers_of_a_walk_in_and_resubmits_them(page, sign_in, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    clerk = make_user(Role.WINDOW_CLERK, username="chuangkou", real_name="王窗口")
    number = app_testing.citizen_id(serial=61)
    person, _created = app_services.find_or_register_walk_in(clerk, id_number=number, name="李建国")
    application = app_services.start_application(clerk, person, item=make_item(), channel="1")
    missing = next(m for m in application.materials.all() if m.asked and m.required)
    complete_draft(application, clerk, skip=(missing.name,))
    application = app_services.submit(application, clerk)
    intake_services.request_supplement(application, clerk, [(missing, "未提交")])

    sign_in("chuangkou")
    page.click("nav >> text=补正收件")
    page.wait_for_selector("[data-testid=supplement-queue]")

    # 1. Find it by the ID number the applicant shows.
    page.fill("#id_q", number)
    page.click("[data-testid=supplement-search]")
    page.wait_for_url("**q=*")
    row = page.locator("[data-testid=supplement-row]")
    assert row.count() == 1 and row.get_attribute("data-case") == application.case_number
    text = row.inner_text()
    assert missing.name in text and "未提交" in text and "剩余" in text
    page.set_viewport_size({"width": 390, "height": 844})  # the window's tablet or a phone: no sideways scroll
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    row.locator("[data-testid=open-supplement]").click()
    page.wait_for_selector("[data-testid=supplement-page]")
    wide = (page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 15)"""))
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), wide
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("[data-testid=case-number]").inner_text() == application.case_number
    assert page.locator("[data-testid=resubmit-on-behalf]").is_disabled()  # nothing brought yet

    # 2. Upload what was brought.
    item = page.locator(f"#material-{missing.pk}")
    item.locator("input[type=file]").set_input_files(
        {"name": "补交件.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    item.locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector(f"#material-{missing.pk} >> text=补交件.pdf")
    assert "已补交" in page.locator(f"#material-{missing.pk}").inner_text()

    # 3. Resubmit on the applicant's behalf: the intake page, the application back in the queue.
    page.click("[data-testid=resubmit-on-behalf]")
    page.wait_for_selector("[data-testid=intake-page]")
    assert "已代申请人提交补正" in page.content()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert AuditEvent.objects.filter(object_id=str(application.pk), action="resubmit", actor=clerk).exists()

    page.click("nav >> text=受理队列")
    page.wait_for_selector("[data-testid=intake-queue]")
    queued = page.locator(f"[data-testid=queue-row][data-case='{application.case_number}']")
    assert "补正后重新提交" in queued.inner_text()
