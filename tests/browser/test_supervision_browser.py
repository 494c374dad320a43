"""In a real headless Chromium (issue 12, "Done when"): a decision appears in the supervising department user's feed,
the user claims it and records a revocation; the public verification page then says revoked, and the holder is
told in the portal. The feed and the handoff page fit a 390 px wide phone."""
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse

from approvals.cases import services as case_services
from approvals.certificates.documents import render_certificate_pdf
from approvals.certificates.models import Certificate
from approvals.testing import Flow, make_person
from portal import outbox
from portal.models import Notification
from portal.roles import Role
from supervision.models import Handoff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def in_a_thread(function, *args):
    """Work the worker does (rendering signs in an event loop of its own; Playwright's runs in this thread)."""

    def run():
        try:
            return function(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def snapshot(page, name: str) -> None:
    """With SCREENSHOT_DIR set, keep a picture of the page for a person to look at (not part of the assertions)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_department_claims_a_decision_and_revokes_the_licence(page, sign_in):
    flow = Flow.build()
    case = case_services.claim_case(flow.case(), flow.reviewer)
    case = case_services.complete_review(case, flow.reviewer, "材料齐全，符合法定条件")
    decision = case_services.decide(case_services.claim_case(case, flow.certifier), flow.certifier, True)
    certificate = Certificate.objects.get(decision=decision)
    in_a_thread(render_certificate_pdf, certificate.pk)
    in_a_thread(outbox.drain)  # the worker hands the decision off
    handoff = Handoff.objects.get(certificate=certificate)
    officer = make_person(Role.DEPARTMENT_USER, "周监管")
    handoff.department.members.add(officer)

    verify = reverse("verify:certificate", args=[certificate.electronic_id])
    page.goto(verify)
    assert page.get_by_test_id("verdict").get_attribute("data-reading") == "valid"

    sign_in(officer.username)
    panel = page.get_by_test_id("panel-handoffs")
    assert certificate.holder_name in panel.inner_text() or handoff.payload["item"]["name"] in panel.inner_text()
    page.click("nav >> text=审管推送")
    row = page.locator(f"[data-testid=handoff-row][data-sequence='{handoff.sequence}']")
    assert "待认领" in row.inner_text()
    snapshot(page, "supervision-feed")
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)
    snapshot(page, "supervision-feed-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_test_id("claim").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已认领" in page.locator(".messages").inner_text()

    page.goto(reverse("supervision:handoff", args=[handoff.public_id]))
    assert certificate.licence_number in page.get_by_test_id("handoff-facts").inner_text()
    pdf = page.locator("a", has_text="证照 PDF").get_attribute("href")
    assert page.request.get(pdf).headers["content-type"] == "application/pdf"
    page.select_option("#id_kind", "revocation")
    page.fill("#id_summary", "经查，申请人以欺骗手段取得许可，依法撤销")
    page.fill("#id_document_number", "宝市监撤〔2026〕5号")
    page.locator("[data-testid=record-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=records]")
    assert "撤销（吊销）许可" in page.get_by_test_id("records").inner_text()
    assert page.get_by_test_id("certificate-standing").inner_text() == "已撤销"
    snapshot(page, "supervision-handoff")
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)
    snapshot(page, "supervision-handoff-phone")

    # Anyone holding the licence's QR code now reads "revoked", with the department's reason.
    page.context.clear_cookies()
    page.goto(verify)
    assert page.get_by_test_id("verdict").get_attribute("data-reading") == "revoked"
    assert "宝市监撤〔2026〕5号" in page.get_by_test_id("standing-reason").inner_text()
    snapshot(page, "verify-revoked-phone")

    # The holder is told in the portal.
    assert Notification.objects.filter(recipient=flow.applicant_user, title__startswith="证照状态变更").exists()
    sign_in(flow.applicant_user.username)
    page.goto("/notifications/")
    assert "证照状态变更" in page.content()
