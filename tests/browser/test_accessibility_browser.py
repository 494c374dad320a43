"""In a real headless Chromium (issue 13 item 11, GB/T 37668 and the 适老化 rules): axe-core (vendored from npm,
tests/browser/axe.py) finds no serious or critical WCAG 2.1 A/AA violation on the pages citizens and staff use
most — as a visitor, as a signed-in applicant, as the window clerk and as the approval officer, forms with their
errors shown included — nor with the 长辈版 (elderly mode) switched on; the skip link leads to the main content,
and the 长辈版 switch enlarges text and controls, is remembered without signing in, and works without JavaScript."""
import os

import pytest

from applications import services as application_services
from applications import testing as app_testing
from approvals.cases import services as case_services
from approvals.intake import services as intake_services
from approvals.models import ApprovalCase
from approvals.testing import Flow
from tests.browser.axe import blocking, describe, dump, run_axe, summary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REPORT_DIR = os.environ.get("AXE_REPORT_DIR", "/tmp")


class Pages:
    """The data behind the pages: one section's people, a submitted application waiting at intake (claimed by the
    clerk), an accepted one whose case the reviewer has claimed, and a draft of the applicant's."""

    def __init__(self):
        self.flow = flow = Flow.build()
        self.applicant = app_testing.make_person(flow.applicant_user)
        self.item = flow.item(name="食品经营许可")
        self.bundle = app_testing.make_bundle("我要开饭店", [self.item, flow.item(name="公共场所卫生许可")])
        self.waiting = app_testing.submitted_application(flow.applicant_user, self.applicant, item=self.item)
        intake_services.claim(self.waiting, flow.clerk)
        self.accepted = flow.accepted(item=self.item)
        case = ApprovalCase.objects.get(application=self.accepted)
        self.case = case_services.claim_case(case, flow.reviewer)
        self.draft = application_services.start_application(flow.applicant_user, self.applicant, bundle=self.bundle)


def check(page, url: str, results: dict, *, label: str | None = None, ready: str | None = None,
          who: str = "") -> list[dict]:
    """Open url (unless label names a page already open), run axe, keep the result under its name (and whose)."""
    if label is None:
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        assert url.startswith("/accounts/login/") or "/accounts/login/" not in page.url, (url, page.url)
    if ready:
        page.wait_for_selector(ready)
    violations = run_axe(page)
    results[f"{who} {label or url}".strip()] = violations
    return violations


def assert_none_blocking(results: dict, report: str) -> None:
    dump(results, os.path.join(REPORT_DIR, report))
    counts = {url: summary(violations) for url, violations in results.items()}
    print(report, counts)
    failures = [describe(url, blocking(violations)) for url, violations in results.items() if blocking(violations)]
    assert not failures, "\n".join(failures)


def submit_form_with_errors(page, url: str, button: str) -> None:
    page.goto(url)
    page.click(button)
    page.wait_for_load_state("domcontentloaded")


def test_visitor_pages_have_no_serious_or_critical_violations(page):
    data = Pages()
    results: dict = {}
    for url in ("/", "/guide/", "/guide/?q=食品", f"/guide/item/{data.item.pk}/", f"/guide/bundle/{data.bundle.pk}/",
                "/accounts/login/", "/register/", "/progress/", "/verify/", "/publicity/"):
        check(page, url, results)

    # Forms with their errors shown: the sign-in with a wrong password, the registration and the progress lookup.
    page.goto("/accounts/login/")
    page.fill("#id_username", data.flow.applicant_user.username)
    page.fill("#id_password", "wrong-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("[role=alert]").count()
    check(page, "", results, label="/accounts/login/ (wrong password)")

    submit_form_with_errors(page, "/register/", "[data-testid=register-submit]")
    assert page.locator("[aria-invalid=true]").count()
    check(page, "", results, label="/register/ (errors)")

    submit_form_with_errors(page, "/progress/", "main button[type=submit]")
    check(page, "", results, label="/progress/ (errors)")
    page.fill("input[name=case_number]", data.waiting.case_number)
    page.fill("input[name=id_tail]", data.applicant.id_number[-6:])
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-testid=progress-result]")
    check(page, "", results, label="/progress/ (result)")

    assert_none_blocking(results, "axe-visitor.json")


def test_applicant_pages_have_no_serious_or_critical_violations(page, sign_in):
    data = Pages()
    sign_in(data.flow.applicant_user.username)
    results: dict = {}
    for url in ("/", "/applications/", f"/applications/{data.waiting.pk}/", f"/applications/{data.accepted.pk}/",
                f"/applications/{data.draft.pk}/form/", f"/applications/{data.draft.pk}/materials/",
                f"/applications/{data.draft.pk}/review/", "/applicants/", f"/guide/item/{data.item.pk}/",
                "/notifications/"):
        check(page, url, results)

    # The form step sent empty: every field's error is written where its aria-describedby points, and announced.
    submit_form_with_errors(page, f"/applications/{data.draft.pk}/form/", "[data-testid=next-step]")
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count(), "the empty form step shows no errors"
    for field in invalid.all():
        for described_by in (field.get_attribute("aria-describedby") or "").split():
            assert page.locator(f"[id='{described_by}']").count() == 1, described_by
    assert page.locator("[role=alert] .errorlist, [role=alert].field-errors").count() or \
        page.locator("[role=alert]").count()
    check(page, "", results, label=f"/applications/{data.draft.pk}/form/ (errors)")

    assert_none_blocking(results, "axe-applicant.json")


def test_staff_pages_have_no_serious_or_critical_violations(page, sign_in):
    data = Pages()
    results: dict = {}
    sign_in(data.flow.clerk.username)
    for url in ("/", "/office/intake/", f"/office/intake/{data.waiting.pk}/", "/office/intake/new/",
                "/office/issuing/"):
        check(page, url, results, who="clerk")

    page.context.clear_cookies()
    sign_in(data.flow.reviewer.username)
    for url in ("/", "/office/cases/?stage=review", "/office/cases/?stage=inspection", "/office/cases/mine/",
                f"/office/cases/{data.case.pk}/", "/office/cases/inspections/"):
        check(page, url, results, who="officer")
    # The officer queue's stage links are a navigation that marks the current stage, not an incomplete tablist.
    assert page.goto("/office/cases/?stage=review").status == 200
    assert page.locator("[role=tablist], [role=tab]").count() == 0
    assert page.locator("nav ul.stage-tabs a[aria-current=page]").count() == 1

    page.context.clear_cookies()
    sign_in(data.flow.head.username)
    for url in ("/", "/office/cases/overview/", "/office/cases/extensions/"):
        check(page, url, results, who="section head")

    assert_none_blocking(results, "axe-staff.json")


def test_the_skip_link_is_the_first_thing_the_keyboard_reaches_and_leads_to_the_main_content(page):
    page.goto("/guide/")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
    assert focused == ["跳到主要内容", "#main"], focused
    skip = page.locator("a.skip-link")
    assert skip.is_visible()  # shown while focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("main#main").count() == 1


# What must be a 44 px target in the 长辈版: buttons, text boxes, choices of a list, the header's links.
TARGETS = ("main button", "main .button", "main input[type=text]", "main input[type=search]", "main select",
           "header button", "header a", "header .link-button")


def font_size(page, selector: str = "body") -> float:
    return page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)")


def test_the_elderly_mode_enlarges_text_and_controls_and_is_remembered(page, sign_in, live_server):
    data = Pages()
    page.goto("/guide/")
    switch = page.locator("[data-testid=elder-switch]")
    assert switch.locator(".elder-label").inner_text() == "长辈版"
    assert switch.get_attribute("data-elder") == "off"
    standard = font_size(page)
    switch.click()
    page.wait_for_function("() => document.documentElement.classList.contains('elder')")
    assert switch.get_attribute("data-elder") == "on"
    assert switch.locator(".elder-label").inner_text() == "标准版"
    assert switch.inner_text().replace("\n", "") == "切换到标准版"  # what a screen reader says
    assert font_size(page) >= 20 > standard
    # Remembered in a cookie, without signing in: the next page comes from the server already enlarged.
    assert any(c["name"] == "elder_mode" and c["value"] == "1" for c in page.context.cookies())
    page.goto(f"/guide/item/{data.item.pk}/")
    assert "elder" in page.evaluate("document.documentElement.className")
    assert font_size(page) >= 20
    # Every button and text box is a target of at least 44 px.
    small = page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
        .filter(([, height]) => height < 43.5)""", ", ".join(TARGETS))
    assert not small, small

    # Kept after signing in, and axe is as content with the larger text as without it.
    sign_in(data.flow.applicant_user.username)
    assert "elder" in page.evaluate("document.documentElement.className")
    results: dict = {}
    for url in ("/", "/applications/", f"/applications/{data.waiting.pk}/", f"/applications/{data.draft.pk}/form/",
                f"/guide/bundle/{data.bundle.pk}/", "/progress/"):
        check(page, url, results)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "elder_mode", "value": "1", "url": live_server.url + "/"}])
    sign_in(data.flow.reviewer.username)
    for url in (f"/office/cases/{data.case.pk}/", "/office/cases/?stage=review"):
        check(page, url, results)
        assert "elder" in page.evaluate("document.documentElement.className")
    assert_none_blocking(results, "axe-elder.json")

    # And back: the switch says 长辈版 again and the text is the standard size.
    page.locator("[data-testid=elder-switch]").click()
    page.wait_for_function("() => !document.documentElement.classList.contains('elder')")
    assert font_size(page) == standard
    page.reload()
    assert "elder" not in page.evaluate("document.documentElement.className")


def test_the_elderly_mode_switch_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/progress/")
        page.locator("[data-testid=elder-switch]").click()
        page.wait_for_load_state("domcontentloaded")
        assert page.evaluate("location.pathname") == "/progress/"  # back where it was
        assert "elder" in (page.locator("html").get_attribute("class") or "")
        assert page.locator("[data-testid=elder-switch] .elder-label").inner_text() == "标准版"
        page.locator("[data-testid=elder-switch]").click()
        page.wait_for_load_state("domcontentloaded")
        assert "elder" not in (page.locator("html").get_attribute("class") or "")
    finally:
        context.close()

