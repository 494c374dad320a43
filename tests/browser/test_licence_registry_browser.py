"""In a real headless Chromium at a phone's width (390 px) and on a desktop: the holder's licences, the staff search
of the licence registry and the materials step with a licence taken from the registry fit the screen (nothing
wider than the viewport) and show what they should."""
import pytest
from django.utils import timezone

from applications import services as app_services
from applications import testing as app_testing
from approvals.certificates import services as certificate_services
from approvals.certificates.models import Certificate
from approvals.testing import Flow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)


def overflow(page) -> int:
    """How many pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_registry_pages_fit_a_phone_and_a_desktop(page, sign_in, live_server, tmp_path):
    flow = Flow.build()
    owner = flow.applicant_user
    applicant = app_testing.make_person(owner, "张丽华")
    case = flow.case()
    values = {**certificate_services.certificate_defaults(case), "certificate_name": "食品经营许可证"}
    certificate = certificate_services.create_certificate(case, values, basis=Certificate.Basis.ON_THE_SPOT,
                                                          issued_by=flow.certifier, issued_at=timezone.now())
    item = app_testing.make_item("食品经营许可（变更）", materials=[
        "食品经营许可变更申请书",
        ("食品经营许可证正、副本", {"registry_certificate_name": "食品经营许可证"}),
    ])
    draft = app_services.start_application(owner, applicant, item=item)

    sign_in(owner.username)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/licences/")
        card = page.locator("[data-testid=licence]")
        assert card.count() == 1 and certificate.licence_number in card.inner_text()
        assert card.locator("[data-testid=standing]").inner_text() == "有效"
        assert overflow(page) <= 0, f"/licences/ at {width}px"
        page.screenshot(path=str(tmp_path / f"licences-{width}.png"), full_page=True)
        page.goto(f"/applications/{draft.pk}/materials/")
        assert "已从电子证照库调取：食品经营许可证" in page.locator("[data-testid=registry-proof]").inner_text()
        assert overflow(page) <= 0, f"the materials step at {width}px"
        page.screenshot(path=str(tmp_path / f"materials-{width}.png"), full_page=True)

    page.goto("/")
    page.click("text=退出")
    sign_in(flow.clerk.username)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/office/licences/")
        page.fill("#id_q", certificate.holder_id_number)
        page.click(".registry-search button[type=submit]")
        page.wait_for_selector("[data-testid=licence]")
        assert "共 1 条" in page.locator("[data-testid=result-count]").inner_text()
        assert overflow(page) <= 0, f"/office/licences/ at {width}px"
        page.screenshot(path=str(tmp_path / f"search-{width}.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
