"""In a real headless Chromium at a phone's width (390 px): the holder follows the expiry reminder from the portal's
messages to the renewal page, sees the last filing date, starts the renewal and lands on its prefilled form, which
says which licence it renews. Nothing on either page is wider than the screen."""
from datetime import timedelta

import pytest

from approvals.certificates.models import Certificate
from approvals.renewals import services as renewals
from approvals.renewals.models import Renewal
from portal import clock
from tests.test_renewals import licence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_holder_renews_from_the_reminder_on_a_phone(page, sign_in, settings):
    from approvals.testing import Flow

    settings.LICENCE_EXPIRY_REMINDER_DAYS = [90, 30, 7]
    flow = Flow.build()
    old: Certificate = licence(flow, until=60)
    today = clock.today()
    assert renewals.sweep_licence_expiry_reminders(today=today) == 1  # the 90-day point has passed: caught up
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(flow.applicant_user.username)

    page.goto("/notifications/")
    page.get_by_role("link", name="证照即将到期").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/licences/{old.public_id}/renew/")
    last = today + timedelta(days=30)
    assert page.get_by_test_id("licence-number").inner_text() == old.licence_number
    assert f"{last.year}年{last.month}月{last.day}日" in page.get_by_test_id("file-by").inner_text()
    assert fits_the_screen(page)

    page.get_by_test_id("start-renewal").click()
    page.wait_for_load_state("domcontentloaded")
    renewal = Renewal.objects.get(certificate=old)
    assert page.url.endswith(f"/applications/{renewal.application_id}/form/")
    assert f"延续申请：原证 {old.licence_number}" in page.get_by_test_id("application-notes").inner_text()
    assert page.locator("input[name=project_name]").input_value() == "丽华小吃店"
    assert fits_the_screen(page)
