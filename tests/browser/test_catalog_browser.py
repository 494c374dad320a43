"""In a real headless Chromium: a visitor who is not signed in finds an item by typing part of its name, opens its
guide, downloads the blank form and reads the promised limit against the statutory one."""
import pytest
from django.core.files.base import ContentFile

from catalog import services
from catalog.codesets import MaterialSource
from catalog.models import Material
from catalog.testing import make_department, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLANK_FORM = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def catalogue(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    market = make_department("宝塔区市场监督管理局", short_name="区市场监管局")
    food = make_item(
        "食品经营许可", department=market, keywords="餐饮、饭店", statutory_limit=20, promised_limit=5,
        materials=[
            {"name": "食品经营许可申请书"},
            {"name": "营业执照", "source": MaterialSource.SHARED, "originals": 0, "shared_from": "区市场监管局"},
        ],
    )
    Material.objects.get(item=food, name="食品经营许可申请书").blank_form.save(
        "申请书.pdf", ContentFile(BLANK_FORM), save=True
    )
    services.publish_item(food)
    make_item("公共场所卫生许可", publish=True)
    make_item("药品零售许可", publish=True)
    return food


def test_visitor_searches_opens_the_guide_and_downloads_the_blank_form(page, catalogue):
    page.goto("/guide/")
    assert page.locator("[data-testid=guide-index]").is_visible()
    assert page.locator("text=药品零售许可").count() >= 1

    page.fill("#id_q", "食品")
    page.click("[data-testid=guide-search-button]")
    page.wait_for_url("**q=*")
    # The box's "change" (on leaving it for the button) and the submit both ask htmx for the results: wait until
    # every swap is done, or the click below may land on a list that is being replaced.
    page.wait_for_load_state("networkidle")
    results = page.locator("#guide-results")
    assert "食品经营许可" in results.inner_text()
    assert "药品零售许可" not in results.inner_text()
    assert "公共场所卫生许可" not in results.inner_text()

    results.locator("a", has_text="食品经营许可").first.click()
    page.wait_for_selector("[data-testid=guide-item]")
    assert page.locator("[data-testid=item-title]").inner_text() == "食品经营许可"
    assert "20" in page.locator("[data-testid=statutory-limit]").inner_text()
    assert "5" in page.locator("[data-testid=promised-limit]").inner_text()
    assert page.locator("[data-testid=limit-cut]").inner_text() == "75%"
    # The shared material is shown as obtained by the portal, not asked for.
    assert "营业执照" in page.locator("[data-testid=materials]").inner_text()

    with page.expect_download() as download_info:
        page.click("[data-testid=blank-form-link]")
    download = download_info.value
    assert open(download.path(), "rb").read() == BLANK_FORM
    assert download.suggested_filename.endswith(".pdf")
