"""In a real headless Chromium (issue 11, item 5, "Done when"): a bundle application whose three cases were all
approved waits at the issuing window; the clerk opens the issuing queue, opens the application, sees its three
decisions and its three certificates (issued together, 三证同发) as PDFs, and hands all of them over in one action
at the window; the application shows 已办结
on the clerk's page and on the applicant's. The queue and the handover page also fit a 390 px wide phone."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from applications.models import Application, Status
from approvals.cases import services as case_services
from approvals.certificates.documents import render_certificate_pdf
from approvals.certificates.models import Certificate
from approvals.documents import render_notice_pdf
from approvals.intake.models import Handover
from approvals.models import Notice
from approvals.testing import Flow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def render_pdfs(notice_ids, certificate_ids=()) -> None:
    """What the worker does after the decision commits, in a thread of its own: the signer runs an event loop,
    and Playwright's already runs in this one."""

    def render_all():
        try:
            for pk in notice_ids:
                render_notice_pdf(pk)
            for pk in certificate_ids:
                render_certificate_pdf(pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(render_all).result()


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_clerk_hands_a_bundles_three_results_over_in_one_action(page, sign_in):
    flow = Flow.build()
    cases = flow.bundle_cases(3)
    for case in cases:
        case = case_services.claim_case(case, flow.reviewer)
        case = case_services.complete_review(case, flow.reviewer, "材料齐全，符合法定条件")
        case = case_services.claim_case(case, flow.certifier)
        case_services.decide(case, flow.certifier, True)
    application = Application.objects.select_related("applicant").get(pk=cases[0].application_id)
    assert application.status == Status.DECIDED
    certificates = list(Certificate.objects.filter(application=application).values_list("pk", flat=True))
    assert len(certificates) == 3  # 三证同发: issued together when the last case was decided
    render_pdfs(list(Notice.objects.filter(application=application, kind=Notice.Kind.APPROVAL)
                     .values_list("pk", flat=True)), certificates)

    sign_in(flow.clerk.username)
    page.click("nav >> text=统一出件")
    page.wait_for_selector("[data-testid=issuing-queue]")
    row = page.locator(f"[data-testid=issuing-row][data-case='{application.case_number}']")
    assert row.get_attribute("data-colour") == "green"
    assert row.locator("[data-testid=document-pdf]").count() == 6  # three decisions, three certificates
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    row.get_by_test_id("open-handover").click()
    page.wait_for_selector("[data-testid=handover-page]")
    pdfs = page.locator("[data-testid=documents-card] [data-testid=document-pdf]")
    assert pdfs.count() == 6
    for index in (0, 5):  # a decision and a certificate: printing = opening the PDF
        href = pdfs.nth(index).get_attribute("href")
        assert page.request.get(href).headers["content-type"] == "application/pdf"
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)

    # The window: the applicant in person shows the ID card, the clerk checks it, the receipt is signed.
    page.get_by_test_id("method-window").click()
    assert not page.locator("#id_tracking_number").is_visible()  # the post's fields only for the post
    page.fill("#id_recipient_name", application.applicant.name)
    page.select_option("#id_relation", "self")
    page.select_option("#id_id_type", "111")
    page.fill("#id_id_number", application.applicant.id_number)
    page.check("#id_id_checked")
    page.check("#id_receipt_signed")
    page.fill("#id_note", "三证同发")
    page.get_by_test_id("handover-button").click()
    page.wait_for_selector("[data-testid=handover-record]")
    assert page.get_by_test_id("status").inner_text() == "已办结"
    assert "已出件并办结" in page.locator(".messages").inner_text()
    assert fits_the_width(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    application.refresh_from_db()
    assert application.status == Status.CLOSED
    assert Handover.objects.get(application=application).recorded_by == flow.clerk
    page.goto("/office/issuing/")
    assert page.get_by_test_id("issuing-empty").is_visible()

    # The applicant's page says it is closed, and its timeline tells how the results were handed over.
    page.context.clear_cookies()
    sign_in(flow.applicant_user.username)
    page.goto(f"/applications/{application.pk}/")
    assert page.get_by_test_id("status").inner_text() == "已办结"
    assert "统一出件" in page.content() and "已核验证件" in page.content()
