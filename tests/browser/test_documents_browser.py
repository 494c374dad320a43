"""In a real headless Chromium (issue 11, "Done when"): the applicant downloads the acceptance notice as a signed
PDF, later the decision and the certificate from the same page; the certificate's public verification page says
valid, and after a revocation (the service call the supervision handoff makes) says revoked."""
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse

from approvals.cases import services as case_services
from approvals.certificates import services as certificate_services
from approvals.certificates.documents import render_certificate_pdf
from approvals.certificates.models import Certificate
from approvals.documents import render_notice_pdf
from approvals.models import ApprovalCase, Notice
from approvals.testing import Flow
from portal import signing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def as_the_worker(function, *pks):
    """Rendering and signing run in a worker after the commit; here in a thread of their own (the signer runs an
    event loop, and Playwright's already runs in this one)."""

    def run():
        try:
            for pk in pks:
                function(pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def signature_intact(data: bytes) -> bool:
    with ThreadPoolExecutor(max_workers=1) as pool:  # pyHanko's validation runs an event loop too
        return pool.submit(lambda: signing.check_signature(data)["intact"]).result()


def pdf_from(page, href: str) -> bytes:
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return response.body()


def test_the_applicant_downloads_the_acceptance_the_decision_and_the_certificate(page, sign_in):
    flow = Flow.build()
    application = flow.accepted(item=flow.item(validity_years=5))
    acceptance = Notice.objects.get(application=application, kind=Notice.Kind.ACCEPTANCE)
    as_the_worker(render_notice_pdf, acceptance.pk)

    sign_in(flow.applicant_user.username)
    page.goto(reverse("applications:detail", args=[application.pk]))
    page.goto(page.get_by_test_id("notices").locator("a", has_text="受理通知书").get_attribute("href"))  # a new tab
    page.wait_for_selector("[data-testid=notice-pdf-download]")
    data = pdf_from(page, page.get_by_test_id("notice-pdf-download").get_attribute("href"))
    assert signature_intact(data)  # the bureau's signature

    # Later: the case is reviewed and approved; the decision and the certificate are rendered by the worker.
    case = ApprovalCase.objects.get(application=application)
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "符合条件")
    decision = case_services.decide(case_services.claim_case(case, flow.certifier), flow.certifier, True)
    certificate = Certificate.objects.get(decision=decision)
    as_the_worker(render_notice_pdf, decision.notice_id)
    as_the_worker(render_certificate_pdf, certificate.pk)

    page.goto(reverse("applications:detail", args=[application.pk]))
    page.goto(page.get_by_test_id("notices").locator("a", has_text="准予行政许可决定书").get_attribute("href"))
    page.wait_for_selector("[data-testid=notice-pdf-download]")
    assert signature_intact(pdf_from(page, page.get_by_test_id("notice-pdf-download").get_attribute("href")))
    page.goto(reverse("applications:detail", args=[application.pk]))
    licence = page.get_by_test_id("licence")
    assert licence.get_attribute("data-standing") == "valid" and certificate.licence_number in licence.inner_text()
    data = pdf_from(page, licence.get_by_test_id("licence-pdf").get_attribute("href"))
    assert hashlib.sha256(data).hexdigest() == Certificate.objects.get(pk=certificate.pk).pdf_sha256
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Anyone checks it on the verification page (what its QR code opens): valid, then revoked.
    page.context.clear_cookies()
    verify = reverse("verify:certificate", args=[certificate.electronic_id])
    page.goto(verify)
    assert page.get_by_test_id("verdict").get_attribute("data-reading") == "valid"
    page.set_input_files("[data-testid=verify-upload] input[type=file]",
                         files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": data}])
    page.locator("[data-testid=verify-upload] button[type=submit]").click()
    assert "完全一致" in page.get_by_test_id("upload-result").inner_text()
    certificate_services.revoke(certificate, flow.leader, "以欺骗手段取得许可，依法撤销")
    page.goto(verify)
    assert page.get_by_test_id("verdict").get_attribute("data-reading") == "revoked"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
