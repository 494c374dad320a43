"""In a real headless Chromium (issue 15, items 3 and 4): a leader opens 统计分析, narrows it to one section and a
custom period, sees the figures, the SVG charts and the tables, downloads a table as XLSX; a section head sees
only their section; the hall screen shows today's figures in big type and refreshes itself. At desktop width and
at 390 px (no sideways scroll of the page: wide tables scroll inside their own box)."""
import io
import os
from datetime import date, datetime, time

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from approvals.models import ApprovalCase
from approvals.testing import Flow
from catalog.models import Section
from portal.services import seed_calendar_from_package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def snapshot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def at(day: date, hour: int = 10):
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def decided_in_october(flow: Flow, n: int = 2) -> None:
    # The working days across National Day need the holidays: an earlier transactional test on this worker may
    # have flushed the calendar the migrations loaded.
    seed_calendar_from_package()
    item = flow.item(name="食品经营许可（浏览器）")
    for _ in range(n):
        case = ApprovalCase.objects.get(application=flow.accepted(item=item))
        ApprovalCase.objects.filter(pk=case.pk).update(
            stage="approved", accepted_at=at(date(2026, 9, 29)), decided_at=at(date(2026, 10, 9), 15),
            closed_at=at(date(2026, 10, 9), 15), promised_due_date=date(2026, 10, 13),
            statutory_due_date=date(2026, 10, 27), assignee=None, claimed_at=None, yellow_from=None, red_from=None,
            statutory_alarm_from=None, decided_by=flow.certifier)


def test_a_leader_filters_reads_charts_and_exports(page, sign_in):
    flow = Flow.build()
    decided_in_october(flow)
    sign_in(flow.leader.username)
    page.click("text=统计分析")
    page.wait_for_selector("[data-testid=oversight]")
    page.fill("#id_start", "2026-10-01")
    page.fill("#id_end", "2026-10-31")
    page.select_option("#id_section", str(flow.section.pk))
    page.click("[data-testid=oversight-filters] button[type=submit]")
    page.wait_for_selector("[data-testid=oversight-caption]")
    assert "2026-10-01 至 2026-10-31" in page.inner_text("[data-testid=oversight-caption]")
    timeliness = page.locator("[data-testid=section-timeliness]")
    assert "100.0%" in timeliness.inner_text()  # both on time
    assert page.locator("[data-testid=section-timeliness] svg.chart title").count() >= 1
    row = page.locator("[data-testid=table-by_item] tr", has_text="食品经营许可（浏览器）")
    assert "3.0" in row.inner_text()  # 09-29 -> 10-09 across National Day: 3 working days
    with page.expect_download() as download:
        page.locator("[data-testid=table-by_item] [data-testid=export-xlsx]").first.click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet.cell(row=2, column=1).value == "事项"
    snapshot(page, "dashboard-desktop")
    assert fits_the_width(page)

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("[data-testid=section-intake]")
    assert fits_the_width(page)
    snapshot(page, "dashboard-390")


def test_a_section_head_sees_their_section_only_and_the_hall_screen(page, sign_in):
    flow = Flow.build()
    other = Flow.build(Section.objects.create(code="ZZ", name="另一个科"))
    decided_in_october(other, 1)
    flow.case()  # waiting in review today
    sign_in(flow.head.username)
    page.goto("/oversight/?start=2026-10-01&end=2026-10-31")
    options = page.locator("#id_section option").all_inner_texts()
    assert options == [flow.section.name]
    assert "另一个科" not in page.inner_text("[data-testid=oversight]")
    assert page.locator("[data-testid=section-timeliness] [data-testid=table-empty]").count() >= 1

    page.goto("/hall/")
    page.wait_for_selector("[data-testid=hall]")
    assert page.locator("meta[http-equiv=refresh]").get_attribute("content") == "60"
    assert "今日受理" in page.inner_text("[data-testid=section-hall_intake]")
    assert "今日评价" in page.inner_text("[data-testid=section-ratings_today]")  # applications' 好差评 section
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.figure dd')).fontSize)")
    assert size >= 40  # big type for the wall
    snapshot(page, "hall-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_width(page)
    snapshot(page, "hall-390")
