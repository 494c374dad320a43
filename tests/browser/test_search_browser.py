"""In a real headless Chromium: a visitor on the home page types "开饭店" and the bundle 我要开饭店 is the first
result; the home page and the results fit a 390 px wide phone without sideways scrolling."""
import os

import pytest

from catalog.testing import make_bundle, make_department, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def snapshot(page, name: str) -> None:
    """With SCREENSHOT_DIR set, keep a picture of the page for a person to look at (not part of the assertions)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


@pytest.fixture
def catalogue():
    market = make_department("宝塔区市场监督管理局", short_name="区市场监管局")
    licence = make_item("公司设立登记", department=market, keywords="注册公司、营业执照", certificate_name="营业执照", publish=True)
    food = make_item("食品经营许可", department=market, keywords="餐饮、饭店", publish=True)
    drainage = make_item("城镇污水排入排水管网许可", keywords="排水许可、饭店排水", publish=True)
    make_item("药品零售企业经营许可（单体药店）", department=market, keywords="药房、药品零售", publish=True)
    make_bundle([licence, food, drainage], title="我要开饭店", keywords="开饭店、开餐馆")
    return food


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_searching_kai_fandian_from_the_home_page_finds_the_bundle_first(page, catalogue, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/")
    assert page.locator("[data-testid=landing]").is_visible()
    assert page.locator("[data-testid=popular-items]").is_visible()
    assert page.locator("[data-testid=home-bundle]", has_text="我要开饭店").is_visible()
    assert page.locator("[data-testid=hall-address]").inner_text()
    assert page.locator("[data-testid=panel-latest-notices]").is_visible()
    assert fits(page)
    snapshot(page, f"search-home-{'phone' if viewport else 'desktop'}")

    page.fill("[data-testid=home-search-input]", "开饭店")
    page.click("[data-testid=home-search-button]")
    page.wait_for_url("**/guide/?q=*")
    first = page.locator("#guide-results [data-testid=search-hit]").first
    assert "我要开饭店" in first.inner_text()
    results = page.locator("#guide-results").inner_text()
    assert "食品经营许可" in results and "药品零售" not in results
    assert fits(page)
    snapshot(page, f"search-results-{'phone' if viewport else 'desktop'}")

    first.locator("a").click()
    page.wait_for_load_state("domcontentloaded")
    assert "我要开饭店" in page.locator("h1").first.inner_text()


def test_an_empty_search_suggests_popular_items(page, catalogue):
    page.goto("/")
    page.fill("[data-testid=home-search-input]", "火箭发射")
    page.press("[data-testid=home-search-input]", "Enter")
    page.wait_for_url("**/guide/?q=*")
    assert "没有找到" in page.locator("[data-testid=search-empty]").inner_text()
    page.locator("[data-testid=popular-suggestions] a", has_text="食品经营许可").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("[data-testid=item-title]").inner_text() == "食品经营许可"
