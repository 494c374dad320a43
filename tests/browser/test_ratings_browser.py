"""好差评 in a real headless Chromium, on a desktop and at a phone's width (390 px): the applicant of a closed
application gives a bad rating from the application page; the section head sees the rectification ticket in the
list, records the follow-up call, the rectification and the applicant's view, and closes it; the dashboards'
rectification rate (applications.ratings.selectors.dashboard_figures) goes from 0 to 100 %. The applicant's
rating page has no horizontal scroll on the phone."""
from __future__ import annotations

import os

import pytest

from applications.ratings import selectors
from applications.ratings.models import RectificationTicket
from portal import clock
from tests.ratings_world import closed_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def snapshot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_bad_rating_is_followed_up_rectified_and_closed_by_the_section_head(page, sign_in, size):
    from approvals.testing import Flow

    flow = Flow.build()
    application = closed_application(flow)
    today = clock.today()
    page.set_viewport_size(SIZES[size])

    # The applicant rates the completed application: 非常不满意, with a comment.
    sign_in(flow.applicant_user.username)
    page.goto(f"/applications/{application.pk}/")
    page.get_by_test_id("rate-link").click()
    page.wait_for_load_state("domcontentloaded")
    assert fits_the_screen(page)
    page.locator("label.rt-level-1").click()
    page.get_by_test_id("comment").fill("补正要求前后不一致，跑了两次")
    snapshot(page, f"ratings-applicant-{size}")
    page.get_by_test_id("submit-rating").click()
    page.wait_for_load_state("domcontentloaded")
    assert "非常不满意" in page.get_by_test_id("rated").inner_text()
    assert fits_the_screen(page)
    ticket = RectificationTicket.objects.get(rating__application=application)
    assert ticket.section_id == flow.section.pk
    assert selectors.dashboard_figures(today, today)["rectification_rate"] == 0.0

    # The section head finds the ticket and works it to the end.
    page.context.clear_cookies()
    sign_in(flow.head.username)
    page.goto("/ratings/tickets/")
    row = page.get_by_test_id("ticket-row")
    assert row.count() == 1 and "非常不满意" in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_test_id("rating-level").inner_text() == "非常不满意"
    assert application.applicant.name in page.get_by_test_id("rater").inner_text()
    page.fill("#id_call-contact", "张丽华（本人）")
    page.fill("#id_call-notes", "反映补正通知与窗口口头要求不一致")
    page.get_by_test_id("save-call").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_test_id("ticket-status").inner_text() == "已回访"
    page.fill("#id_rectify-rectification", "统一使用一次性告知书模板，窗口人员不再口头增加要求")
    page.get_by_test_id("save-rectification").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_test_id("ticket-status").inner_text() == "已整改"
    page.locator("input[name=close-applicant_view][value=satisfied]").check()
    page.fill("#id_close-notes", "二次回访，申请人认可整改")
    page.get_by_test_id("close-ticket").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_test_id("ticket-status").inner_text() == "已办结"
    assert "满意" in page.get_by_test_id("applicant-view").inner_text()
    snapshot(page, f"ratings-ticket-{size}")
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.call_by_id == flow.head.pk
    figures = selectors.dashboard_figures(today, today)
    assert figures["rectification_rate"] == 100.0 and figures["tickets_closed_on_time"] == 1
