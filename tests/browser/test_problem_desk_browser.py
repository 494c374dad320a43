"""In a real headless Chromium (issue 15 item 2, "Done when"): a problem filed online by someone not signed in is
assigned by the desk clerk, replied to by the assigned section, followed up by the clerk; the filer follows each
step by the ticket number and the last four digits of their mobile, on a 390 px phone, and the desk's pages work
at desktop width and fit the phone too."""
import os

import pytest
from django.urls import reverse

from applications.problems.models import ProblemTicket
from approvals.testing import Flow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def snapshot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def follow(filer, number: str) -> str:
    """The filer looks the ticket up on the public page; returns the status shown."""
    filer.goto(reverse("applications:problem_follow"))
    filer.fill("#id_number", number)
    filer.fill("#id_mobile_tail", "5678")
    filer.locator("[data-testid=problem-follow-form] button[type=submit]").click()
    filer.wait_for_selector("[data-testid=problem-result]")
    assert fits_the_width(filer)
    assert "13912345678" not in filer.content() and "马建军" not in filer.content()
    return filer.get_by_test_id("status").get_attribute("data-status")


def test_a_problem_filed_online_is_assigned_replied_and_followed_up(page, sign_in, browser, live_server):
    flow = Flow.build()
    filer_context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
    filer_context.set_default_timeout(15_000)
    filer = filer_context.new_page()
    try:
        # 1. Anyone files online, without an account, on a phone.
        filer.goto("/")
        filer.goto(reverse("applications:problem_file"))
        assert fits_the_width(filer)
        filer.fill("#id_title", "食品经营许可被要求提供清单外材料")
        filer.fill("#id_description", "窗口要求提供房屋租赁备案证明，办事指南的材料清单中没有这一项。")
        filer.fill("#id_contact_name", "马建军")
        filer.fill("#id_contact_mobile", "1391234567")  # one digit short: refused, in Chinese
        filer.locator("[data-testid=problem-file-form] button[type=submit]").click()
        filer.wait_for_selector(".errorlist")
        assert "请输入11位中国大陆手机号码" in filer.locator("[data-field=contact_mobile]").inner_text()
        filer.fill("#id_contact_mobile", "13912345678")
        filer.locator("[data-testid=problem-file-form] button[type=submit]").click()
        number = filer.get_by_test_id("problem-number").inner_text()
        ticket = ProblemTicket.objects.get(number=number)
        assert ticket.filed_by is None
        snapshot(filer, "problem-filed-phone")
        assert follow(filer, number) == "received"
        snapshot(filer, "problem-follow-received-phone")

        # 2. The desk clerk assigns it to the section, with the deadline in working days.
        sign_in(flow.clerk.username)
        page.click("nav >> text=办不成事反映")
        row = page.locator(f"[data-testid=problem-row][data-number='{number}']")
        assert "已受理" in row.inner_text()
        snapshot(page, "problem-queue")
        row.locator("a").first.click()
        page.select_option("#id_target", f"s{flow.section.pk}")
        page.fill("#id_days", "5")
        page.fill("#id_note", "请核实该事项的材料要求，按期答复反映人。")
        page.locator("[data-testid=assign] button[type=submit]").click()
        page.wait_for_selector("[data-status=coordinating]")
        page.set_viewport_size(PHONE)
        assert fits_the_width(page)
        page.set_viewport_size(DESKTOP)
        assert follow(filer, number) == "coordinating"
        assert flow.section.name in filer.get_by_test_id("problem-steps").inner_text()

        # 3. An officer of the section replies.
        page.context.clear_cookies()
        sign_in(flow.reviewer.username)
        assert number in page.get_by_test_id("panel-problems-assigned").inner_text()
        page.goto(reverse("applications:problem", args=[ticket.pk]))
        page.fill("#id_reply", "经核实，房屋租赁备案证明不是法定材料，已通知窗口不再要求，请于工作日到综合窗口办理。")
        page.locator("[data-testid=reply] button[type=submit]").click()
        page.wait_for_selector("[data-status=replied]")
        assert follow(filer, number) == "replied"
        assert "不是法定材料" in filer.get_by_test_id("problem-steps").inner_text()

        # 4. The clerk calls the filer back and records the satisfaction.
        page.context.clear_cookies()
        sign_in(flow.clerk.username)
        page.goto(reverse("applications:problem", args=[ticket.pk]))
        page.fill("#id_note", "反映人表示问题已解决，对答复满意。")
        page.check("input[name=satisfaction][value=satisfied]")
        page.locator("[data-testid=follow-up] button[type=submit]").click()
        page.wait_for_selector("[data-status=followed_up]")
        snapshot(page, "problem-ticket")
        page.set_viewport_size(PHONE)
        assert fits_the_width(page)
        page.set_viewport_size(DESKTOP)
        assert follow(filer, number) == "followed_up"
        steps = filer.get_by_test_id("problem-steps").inner_text()
        for label in ("受理", "协调交办", "答复", "回访"):
            assert label in steps
        assert "满意" in steps
        snapshot(filer, "problem-follow-phone")

        # 5. The desk closes it; the filer sees that too.
        page.locator("[data-testid=close] button[type=submit]").click()
        page.wait_for_selector("[data-status=closed]")
        assert follow(filer, number) == "closed"
    finally:
        filer_context.close()
