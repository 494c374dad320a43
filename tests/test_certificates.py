"""Certificates (approvals.certificates): issued with the decision (a joint-issuance bundle's together), numbered,
with a valid GB/T 36901 electronic id; rendered once as a signed PDF with Chinese text, the seal and a QR code that
decodes to the verification page; never changed in the database; corrected by a new version; revoked; and the
public verification page that reads all of it."""
import hashlib
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from PIL import Image

from applications.models import Application, Status
from approvals.cases import services as case_services
from approvals.certificates import documents, rules, selectors
from approvals.certificates import services as certificate_services
from approvals.certificates.models import Certificate
from approvals.models import ApprovalCase
from approvals.testing import Flow
from portal import licence_ids, masking, signing
from portal.errors import Conflict, DomainError
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(db):
    return Flow.build()


def approve(flow, case, **certificate):
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "符合条件")
    case = case_services.claim_case(case, flow.certifier)
    return case_services.decide(case, flow.certifier, True, certificate=certificate or None, opinion="同意")


def deny(flow, case):
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "不符合")
    case = case_services.claim_case(case, flow.certifier)
    return case_services.decide(case, flow.certifier, False, reasons="经营场所不符合卫生要求")


# --- pure rules -------------------------------------------------------------------------------------------------


def test_reading_puts_the_bureaus_act_before_the_dates():
    from datetime import date

    day = date(2026, 11, 30)
    assert rules.reading("valid", date(2026, 1, 1), None, day).code == "valid"
    assert rules.reading("valid", date(2026, 1, 1), date(2026, 11, 29), day).code == "expired"
    assert rules.reading("valid", date(2026, 1, 1), day, day).code == "valid"  # the last day is still valid
    assert rules.reading("valid", date(2026, 12, 1), None, day).code == "not_yet_valid"
    assert rules.reading("revoked", date(2026, 1, 1), date(2020, 1, 1), day).code == "revoked"


# --- issuing ----------------------------------------------------------------------------------------------------


def test_an_approval_issues_one_numbered_certificate_with_a_valid_electronic_id(flow):
    decision = approve(flow, flow.case(validity_years=5))
    (certificate,) = Certificate.objects.filter(decision=decision)
    assert certificate.basis == Certificate.Basis.DECISION and certificate.standing == Certificate.Standing.VALID
    assert (certificate.holder_name, certificate.valid_from, certificate.valid_until) == (
        decision.holder_name, decision.valid_from, decision.valid_until)
    assert licence_ids.problem(certificate.electronic_id) is None
    parts = licence_ids.parse(certificate.electronic_id)
    assert (parts.issuer_code, parts.serial, parts.version) == ("11610602MB01234510", certificate.serial, 1)
    assert certificate.licence_number.startswith("宝塔审证〔") and certificate.serial[-6:] in certificate.licence_number
    assert AuditEvent.objects.filter(action="certificate_issued", object_id=str(decision.case_id)).count() == 1


def test_numbers_are_consecutive_and_a_denial_or_an_item_without_a_result_issues_nothing(flow):
    first = Certificate.objects.get(decision=approve(flow, flow.case()))
    second = Certificate.objects.get(decision=approve(flow, flow.case()))
    assert int(second.serial) == int(first.serial) + 1 and second.electronic_id != first.electronic_id
    assert not Certificate.objects.filter(decision=deny(flow, flow.case())).exists()
    item = flow.item()
    item.certificate_name = ""
    item.save()
    from catalog import services as catalog_services

    catalog_services.publish_item(item)
    application = flow.accepted(item=item)
    approve(flow, ApprovalCase.objects.get(application=application))
    assert not Certificate.objects.filter(application=application).exists()


def test_a_joint_issuance_bundle_issues_its_three_certificates_together_when_the_last_is_decided(flow):
    cases = flow.bundle_cases(3)
    application = cases[0].application
    assert application.bundle.joint_issuance
    approve(flow, cases[0])
    approve(flow, cases[1])
    assert not Certificate.objects.filter(application=application).exists()  # waits for the third
    approve(flow, cases[2])
    certificates = list(Certificate.objects.filter(application=application).order_by("serial"))
    assert len(certificates) == 3 and len({c.issued_at for c in certificates}) == 1
    serials = [int(c.serial) for c in certificates]
    assert serials == list(range(serials[0], serials[0] + 3))
    assert Application.objects.get(pk=application.pk).status == Status.DECIDED


def test_a_joint_bundle_with_one_denial_still_issues_the_others(flow):
    cases = flow.bundle_cases(2)
    approve(flow, cases[0])
    deny(flow, cases[1])
    assert Certificate.objects.filter(application=cases[0].application).count() == 1


# --- never changed: the database refuses ------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_an_issued_certificate(flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    for sql, params in (("UPDATE approvals_certificate SET holder_name = %s WHERE id = %s", ["李四", certificate.pk]),
                        ("UPDATE approvals_certificate SET valid_until = NULL WHERE id = %s", [certificate.pk]),
                        ("DELETE FROM approvals_certificate WHERE id = %s", [certificate.pk])):
        with pytest.raises(IntegrityError, match="never"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    documents.render_certificate_pdf(certificate.pk)
    with pytest.raises(IntegrityError, match="PDF is never replaced"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE approvals_certificate SET pdf_sha256 = 'x' WHERE id = %s", [certificate.pk])
    # the standing may change
    certificate_services.revoke(certificate, flow.leader, "以欺骗手段取得许可")
    assert Certificate.objects.get(pk=certificate.pk).standing == Certificate.Standing.REVOKED


# --- correction and standing -------------------------------------------------------------------------------------


def test_a_correction_issues_a_new_version_that_supersedes_the_old_one(flow):
    old = Certificate.objects.get(decision=approve(flow, flow.case()))
    with pytest.raises(DomainError, match="相同"):
        certificate_services.correct(old, flow.certifier, {"scope": old.scope}, "无变化")
    new = certificate_services.correct(old, flow.certifier, {"scope": "预包装食品销售（含冷藏冷冻食品）"}, "经营项目填写有误")
    old.refresh_from_db()
    assert old.standing == Certificate.Standing.SUPERSEDED and new.supersedes == old and new.version == 2
    assert (new.serial, new.licence_number) == (old.serial, old.licence_number)
    assert licence_ids.parse(new.electronic_id).version == 2 and new.electronic_id != old.electronic_id
    assert selectors.newest_version(old) == new
    with pytest.raises(Conflict):
        certificate_services.correct(old, flow.certifier, {"scope": "x"}, "再次更正")
    with pytest.raises(Exception, match="承办科室"):
        certificate_services.correct(new, flow.clerk, {"scope": "x"}, "越权")


def test_only_the_head_or_a_leader_revokes_and_a_reason_is_required(flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    with pytest.raises(Exception, match="负责人或局领导"):
        certificate_services.revoke(certificate, flow.certifier, "原因")
    with pytest.raises(DomainError, match="原因"):
        certificate_services.revoke(certificate, flow.head, " ")
    certificate_services.change_standing(certificate, flow.head, Certificate.Standing.SUSPENDED, "责令整改期间暂扣")
    certificate_services.change_standing(certificate, flow.head, Certificate.Standing.VALID, "整改完成")
    revoked = certificate_services.revoke(certificate, flow.head, "以欺骗手段取得许可")
    assert revoked.standing == Certificate.Standing.REVOKED and revoked.standing_reason == "以欺骗手段取得许可"
    with pytest.raises(Conflict):
        certificate_services.revoke(certificate, flow.head, "再次撤销")
    actions = list(AuditEvent.objects.filter(object_id=str(certificate.case_id), action__startswith="certificate_")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["certificate_issued", "certificate_suspended", "certificate_reinstated", "certificate_revoked"]


# --- the PDF -----------------------------------------------------------------------------------------------------


def _poppler(tool: str, pdf: Path, *args: str) -> str:
    return subprocess.run([tool, *args, str(pdf)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True, check=True, timeout=60).stdout


def test_the_certificate_pdf_holds_chinese_text_the_seal_a_qr_to_its_verification_page_and_a_valid_signature(
        flow, tmp_path):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    assert documents.render_certificate_pdf(certificate.pk) is True
    assert documents.render_certificate_pdf(certificate.pk) is False  # rendered once
    certificate.refresh_from_db()
    data = certificate.pdf.read()
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    text = _poppler("pdftotext", path, "-layout")
    for expected in (certificate.name, certificate.holder_name, certificate.licence_number, "宝塔区行政审批服务局",
                     "扫码核验真伪"):
        assert expected in text
    assert "OneWindow-Hei-Common" in _poppler("pdffonts", path)  # the CJK subset is embedded
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, timeout=60)
    page = Image.open(next(tmp_path.glob("page*.png")))
    found = zxingcpp.read_barcode(page.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert found is not None and found.text == documents.verification_url(certificate)
    assert found.text.endswith(reverse("verify:certificate", args=[certificate.electronic_id]))
    # the seal: the red ink of the seal is on the page (the frame is the certificate type's colour)
    red = sum(1 for r, g, b in page.convert("RGB").getdata() if r > 180 and g < 90 and b < 90)
    assert red > 2000
    check = signing.check_signature(data)
    assert check == {**check, "signed": True, "intact": True, "whole": True, "ours": True}
    tampered = bytearray(data)
    tampered[len(tampered) // 3] ^= 0x01  # one byte inside the signed range
    assert signing.check_signature(bytes(tampered))["intact"] is False


def test_a_type_with_its_own_template_uses_it_and_others_fall_back_to_the_default(flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    assert documents.template_names(certificate) == [documents.DEFAULT_TEMPLATE]
    certificate.name = "食品经营许可证"
    assert documents.template_names(certificate)[0].endswith("food_business.html")


# --- verification page --------------------------------------------------------------------------------------------


def test_the_verification_page_says_valid_then_revoked_and_masks_a_natural_persons_data(client, flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    url = reverse("verify:certificate", args=[certificate.electronic_id])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-reading="valid"' in body
    assert certificate.holder_name not in body and masking.mask_name(certificate.holder_name) in body
    if certificate.holder_id_number:
        assert certificate.holder_id_number not in body
    certificate_services.revoke(certificate, flow.leader, "以欺骗手段取得许可")
    body = client.get(url).content.decode()
    assert 'data-reading="revoked"' in body and "以欺骗手段取得许可" in body


def test_the_lookup_finds_by_number_or_id_typed_loosely_and_explains_a_mistyped_id(client, flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    target = reverse("verify:certificate", args=[certificate.electronic_id])
    assert client.get(reverse("verify:lookup"), {"q": certificate.licence_number}).url == target
    assert client.get(reverse("verify:lookup"), {"q": " " + certificate.electronic_id.lower()}).url == target
    wrong = certificate.electronic_id[:-1] + ("A" if certificate.electronic_id[-1] != "A" else "B")
    page = client.get(reverse("verify:lookup"), {"q": wrong})
    assert page.status_code == 404 and "校验" in page.content.decode()
    assert client.get(reverse("verify:certificate", args=["1.2.156.3005.2.nonsense"])).status_code == 404


def test_an_uploaded_pdf_is_recognised_as_the_issued_file_or_not(client, flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    documents.render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    data = certificate.pdf.read()
    url = reverse("verify:certificate", args=[certificate.electronic_id])
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = client.post(url, {"pdf": SimpleUploadedFile("c.pdf", data, "application/pdf")}).content.decode()
    assert "完全一致" in body and "数字签名完好，签名人为本局" in body
    tampered = bytearray(data)
    tampered[len(tampered) // 3] ^= 0x01
    body = client.post(url, {"pdf": SimpleUploadedFile("c.pdf", bytes(tampered), "application/pdf")}).content.decode()
    assert "不一致" in body
    body = client.post(url, {"pdf": SimpleUploadedFile("x.pdf", b"hello", "application/pdf")}).content.decode()
    assert "PDF" in body and "完全一致" not in body


def test_the_pdf_download_follows_the_application(client, flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    url = reverse("approvals:certificate_pdf", args=[certificate.public_id])
    client.force_login(flow.applicant_user)
    assert client.get(url).status_code == 404  # not rendered yet
    documents.render_certificate_pdf(certificate.pk)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    from approvals.testing import make_person
    from portal.roles import Role

    client.force_login(make_person(Role.APPLICANT, "路人甲"))
    assert client.get(url).status_code == 404


def test_the_case_page_lists_the_certificate_with_its_reading_and_links(client, flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    client.force_login(flow.certifier)
    body = client.get(reverse("approvals:case", args=[certificate.case_id])).content.decode()
    assert 'data-testid="certificates"' in body and certificate.licence_number in body and "证照正在生成" in body
    documents.render_certificate_pdf(certificate.pk)
    certificate_services.revoke(certificate, flow.head, "以欺骗手段取得许可")
    body = client.get(reverse("approvals:case", args=[certificate.case_id])).content.decode()
    assert "已撤销" in body and reverse("approvals:certificate_pdf", args=[certificate.public_id]) in body


def test_the_case_page_corrects_and_revokes_through_the_policy(client, flow):
    certificate = Certificate.objects.get(decision=approve(flow, flow.case()))
    manage = reverse("approvals:certificate_manage", args=[certificate.public_id])
    case_page = reverse("approvals:case", args=[certificate.case_id])
    client.force_login(flow.certifier)
    body = client.get(case_page).content.decode()
    assert 'data-testid="certificate-correct"' in body and 'data-testid="certificate-standing-form"' not in body
    assert client.post(manage, {"action": "revoke", "reason": "x"}).status_code == 403
    client.post(manage, {"action": "correct", "scope": "预包装食品销售", "reason": "经营项目填写有误"})
    new = Certificate.objects.get(supersedes=certificate)
    assert new.scope == "预包装食品销售" and new.version == 2
    client.force_login(flow.head)
    assert 'data-testid="certificate-standing-form"' in client.get(case_page).content.decode()
    client.post(manage, {"action": "revoke", "reason": "旧版本"})  # a superseded version: refused, with a message
    assert Certificate.objects.get(pk=certificate.pk).standing == Certificate.Standing.SUPERSEDED
    new_manage = reverse("approvals:certificate_manage", args=[new.public_id])
    assert client.post(new_manage, {"action": "revoke", "reason": "以欺骗手段取得许可"}).status_code == 302
    assert Certificate.objects.get(pk=new.pk).standing == Certificate.Standing.REVOKED
    client.force_login(flow.applicant_user)
    assert client.post(new_manage, {"action": "reinstate", "reason": "x"}).status_code == 404
