"""In a real headless Chromium (issue 13, items 6 and 7): the window clerk's home at 1366 px shows every column of
its tables with headers on one line and no table wider than its panel; on a 390 px phone the header is short with
a working menu button, and every page a citizen uses fits the width (no horizontal scrolling)."""
import pytest

from applications import services as application_services
from applications import testing as app_testing
from applications.models import Application
from approvals.cases import services as case_services
from approvals.testing import Flow
from catalog import demo as catalog_demo
from catalog.models import Bundle, Item
from portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

# Each table of the page: its header cells' heights against one line, and its width against its container's.
MEASURE_TABLES = """(root) => [...document.querySelectorAll(root + ' table')].map(table => {
  const box = table.parentElement.getBoundingClientRect();
  return {
    testid: table.closest('[data-testid]') ? table.closest('[data-testid]').dataset.testid : '',
    width: table.getBoundingClientRect().width, container: box.width,
    scroll: table.parentElement.scrollWidth, client: table.parentElement.clientWidth,
    headers: [...table.querySelectorAll('th')].map(th => {
      const style = getComputedStyle(th);
      const content = th.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
      return {text: th.innerText, height: content, line: line};
    }),
  };
})"""

OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(el => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.right > window.innerWidth + 1;
}).slice(0, 8).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_fits(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (url, width, page.evaluate(OVERFLOWING))
    # Nor does a table hide its overflow in a scrolling box of its own.
    scrolling = page.evaluate("""() => [...document.querySelectorAll('main table, main table *')]
        .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
        .map(el => (el.closest('[data-testid]') || el).dataset.testid || el.className)""")
    assert not scrolling, (url, scrolling)


def clerk_home_data():
    """A clerk's home with rows in both panels: applications in intake, and one waiting at the issuing window."""
    flow = Flow.build()
    for _ in range(2):
        app_testing.submitted_application(flow.applicant_user, item=flow.item(name="食品经营许可（仅销售预包装食品备案）"))
    case = flow.case()
    case = case_services.claim_case(case, flow.reviewer)
    case = case_services.complete_review(case, flow.reviewer, "材料齐全，符合法定条件")
    case = case_services.claim_case(case, flow.certifier)
    case_services.decide(case, flow.certifier, True)
    return flow


def test_the_clerks_home_at_1366_shows_every_column_with_one_line_headers(page, sign_in):
    flow = clerk_home_data()
    page.set_viewport_size(DESKTOP)
    sign_in(flow.clerk.username)
    page.goto("/")
    page.wait_for_selector("[data-testid=panel-intake-queue] table")
    page.wait_for_selector("[data-testid=panel-issuing-window] table")
    page.screenshot(path="/tmp/layout-clerk-home-1366.png", full_page=True)

    # The panels share the whole width: two panels, two halves (not two thirds of a three-column grid).
    panels = page.evaluate("""() => [...document.querySelectorAll('[data-testid=role-home] .panel')]
        .map(p => p.getBoundingClientRect().width)""")
    content = page.evaluate("document.querySelector('[data-testid=role-home]').getBoundingClientRect().width")
    assert len(panels) >= 2 and sum(panels) >= content * 0.9, (panels, content)

    tables = page.evaluate(MEASURE_TABLES, "[data-testid=role-home]")
    assert {t["testid"] for t in tables} >= {"panel-intake-queue", "panel-issuing-window"}
    for table in tables:
        assert table["width"] <= table["container"] + 0.5, table
        assert table["scroll"] <= table["client"], table
        for header in table["headers"]:
            assert header["height"] <= header["line"] * 1.6, (table["testid"], header)
    # The claim button is whole inside its panel, and every badge inside its card.
    claim = page.locator("[data-testid=panel-intake-queue] button", has_text="认领").first.bounding_box()
    panel = page.locator("[data-testid=panel-intake-queue]").bounding_box()
    assert claim["x"] + claim["width"] <= panel["x"] + panel["width"]
    for testid in ("panel-intake-queue", "panel-issuing-window"):
        box = page.locator(f"[data-testid={testid}]").bounding_box()
        for tag in page.locator(f"[data-testid={testid}] .tag").all():
            tag_box = tag.bounding_box()
            assert tag_box["x"] + tag_box["width"] <= box["x"] + box["width"], testid
    assert fits_the_width(page)


def test_on_a_phone_the_header_is_short_and_the_menu_button_opens_the_navigation(page, sign_in, make_user):
    make_user(Role.APPLICANT, username="shouji", real_name="张手机")
    page.set_viewport_size(PHONE)
    for signed_in in (False, True):
        if signed_in:
            sign_in("shouji")
        page.goto("/")
        header = page.locator("header.site-header")
        button = page.locator("[data-testid=menu-button]")
        nav = page.locator("#site-menu")
        assert button.is_visible()
        assert button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == "site-menu"
        assert not nav.is_visible()
        assert header.bounding_box()["height"] <= 120, header.bounding_box()
        page.screenshot(path=f"/tmp/layout-phone-header-{signed_in}.png")

        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        assert nav.is_visible()
        page.screenshot(path=f"/tmp/layout-phone-menu-{signed_in}.png")
        assert nav.locator("a").first.is_visible()
        assert fits_the_width(page)
        # From the keyboard too: Escape closes it and gives the focus back to the button.
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false"
        assert not nav.is_visible()
        button.focus()
        page.keyboard.press("Enter")
        assert nav.is_visible()
        page.keyboard.press("Enter")
        assert not nav.is_visible()

    # On a desktop nothing changes: no menu button, the navigation in the header row.
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    assert not page.locator("[data-testid=menu-button]").is_visible()
    assert page.locator("#site-menu nav").is_visible()
    assert page.locator("header.site-header").bounding_box()["height"] <= 80


def test_every_page_a_citizen_uses_fits_a_390_px_phone(page, sign_in, make_user, live_server):
    catalog_demo.load(with_forms=False)
    bundle = Bundle.objects.get(title="我要开饭店")
    item = max(Item.objects.all(), key=lambda i: i.materials.count())
    user = make_user(Role.APPLICANT, username="shimin", real_name="张丽华")
    applicant = app_testing.make_person(user)
    submitted = app_testing.submitted_application(user, applicant)
    draft = application_services.start_application(user, applicant, bundle=bundle)
    page.set_viewport_size(PHONE)

    # As a visitor.
    for url in ("/", "/guide/", f"/guide/item/{item.pk}/", f"/guide/bundle/{bundle.pk}/", "/register/",
                "/accounts/login/", "/progress/", "/verify/", "/publicity/"):
        assert_fits(page, url)
        page.screenshot(path=f"/tmp/layout-phone{url.replace('/', '_')}.png", full_page=True)
    # The progress lookup with an answer.
    page.goto("/progress/")
    page.fill("input[name=case_number]", submitted.case_number)
    page.fill("input[name=id_tail]", applicant.id_number[-6:])
    page.click("main button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert submitted.case_number in page.locator("main").inner_text()
    assert fits_the_width(page), page.evaluate(OVERFLOWING)
    page.screenshot(path="/tmp/layout-phone-progress-result.png", full_page=True)

    # As the signed-in citizen.
    sign_in("shimin")
    for url in ("/", "/applications/", f"/applications/{submitted.pk}/", f"/applications/{draft.pk}/form/",
                f"/applications/{draft.pk}/materials/", f"/applications/{draft.pk}/review/",
                f"/guide/item/{item.pk}/", f"/guide/bundle/{bundle.pk}/"):
        assert_fits(page, url)
        page.screenshot(path=f"/tmp/layout-phone-in{url.replace('/', '_')}.png", full_page=True)
    assert Application.objects.filter(pk=draft.pk).exists()


def test_with_the_elderly_mode_a_citizens_pages_still_fit_a_390_px_phone(page, sign_in, make_user, live_server):
    """The 长辈版 (issue 13 item 11) enlarges text and controls; on a 390 px phone nothing is wider than the screen."""
    catalog_demo.load(with_forms=False)
    bundle = Bundle.objects.get(title="我要开饭店")
    item = max(Item.objects.all(), key=lambda i: i.materials.count())
    user = make_user(Role.APPLICANT, username="zhanglaobo", real_name="张老伯")
    applicant = app_testing.make_person(user, name="张老伯")
    submitted = app_testing.submitted_application(user, applicant)
    draft = application_services.start_application(user, applicant, bundle=bundle)
    page.set_viewport_size(PHONE)
    page.context.add_cookies([{"name": "elder_mode", "value": "1", "url": live_server.url + "/"}])

    for url in ("/", "/guide/", f"/guide/item/{item.pk}/", f"/guide/bundle/{bundle.pk}/", "/register/",
                "/accounts/login/", "/progress/"):
        assert_fits(page, url)
        assert "elder" in page.evaluate("document.documentElement.className")
        page.screenshot(path=f"/tmp/layout-elder-phone{url.replace('/', '_')}.png", full_page=True)
    # The header stays short enough, with the switch and the menu button in reach.
    assert page.locator("header.site-header").bounding_box()["height"] <= 160
    assert page.get_by_test_id("elder-switch").is_visible()
    assert page.get_by_test_id("menu-button").is_visible()

    sign_in("zhanglaobo")
    for url in ("/", "/applications/", f"/applications/{submitted.pk}/", f"/applications/{draft.pk}/form/",
                f"/applications/{draft.pk}/materials/", f"/applications/{draft.pk}/review/"):
        assert_fits(page, url)
        page.screenshot(path=f"/tmp/layout-elder-phone-in{url.replace('/', '_')}.png", full_page=True)
    # The menu opens on a phone in the 长辈版 too, and still fits.
    page.get_by_test_id("menu-button").click()
    assert page.locator("#site-menu").is_visible()
    assert fits_the_width(page), page.evaluate(OVERFLOWING)
