"""Notices as signed PDFs (approvals.documents, portal.seal, portal.signing): the seal drawing, the rendering
service and its task, what the PDF holds (poppler's pdffonts, pdftotext, pdftoppm), the PAdES signature, and
the pages and API that serve it through the notice policy."""
import hashlib
import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from applications.testing import make_item, submitted_application
from approvals import documents
from approvals.intake import services as intake_services
from approvals.models import Notice
from portal import seal, signing
from portal.roles import Role

pytestmark = pytest.mark.django_db


# --- the seal (pure) -------------------------------------------------------------------------------------


def test_seal_places_the_names_characters_one_by_one_in_order_with_symmetric_rotations():
    name = "宝塔区行政审批服务局"
    svg = seal.seal_svg(name)
    placed = re.findall(r'<text [^>]*transform="rotate\(([-0-9.]+) 100\.0 100\.0\)"[^>]*>(.)</text>', svg)
    assert "".join(ch for _angle, ch in placed) == name
    angles = [float(angle) for angle, _ch in placed]
    assert angles == sorted(angles) and angles[0] < 0 < angles[-1]
    assert all(abs(a + b) < 1e-9 for a, b in zip(angles, reversed(angles)))
    assert "textPath" not in svg and "审批专用章" in svg and "<circle" in svg and "<polygon" in svg
    assert seal.arc_angles(1) == [0.0] and seal.arc_angles(0) == []
    assert max(map(abs, seal.arc_angles(30))) <= 125  # a long name stays on the upper arc


def test_seal_escapes_the_name_and_is_a_pure_function_of_it():
    assert seal.seal_svg("甲<乙>&") == seal.seal_svg("甲<乙>&")
    assert "&lt;" in seal.seal_svg("甲<乙>&") and "<乙>" not in seal.seal_svg("甲<乙>&")
    assert seal.seal_svg("甲") != seal.seal_svg("乙")


# --- rendering -------------------------------------------------------------------------------------------


@pytest.fixture
def acceptance(applicant_user, clerk):
    application = submitted_application(applicant_user, item=make_item(statutory=20, promised=8))
    return intake_services.accept(application, clerk, opinion="材料齐全，符合法定形式")


def _poppler(tool: str, pdf: Path, *args: str) -> str:
    return subprocess.run([tool, *args, str(pdf)] + (["-"] if tool == "pdftotext" else []),
                          capture_output=True, text=True, check=True, timeout=60).stdout


def test_the_service_renders_signs_and_stores_once(acceptance):
    assert acceptance.rendered_at is None and not acceptance.pdf
    assert documents.render_notice_pdf(acceptance.pk) is True
    notice = Notice.objects.get(pk=acceptance.pk)
    data = notice.pdf.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == notice.pdf_sha256
    assert notice.pdf.name.startswith("notices/") and notice.public_id.hex in notice.pdf.name
    assert notice.number not in notice.pdf.name
    first = (notice.pdf.name, notice.pdf_sha256, notice.rendered_at)
    assert documents.render_notice_pdf(acceptance.pk) is False  # never re-rendered
    notice.refresh_from_db()
    assert (notice.pdf.name, notice.pdf_sha256, notice.rendered_at) == first
    assert documents.render_notice_pdf(10**9) is False  # a notice that is gone: nothing to do


def test_a_failed_render_leaves_the_notice_unrendered(acceptance, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("font cache unreadable")

    monkeypatch.setattr(documents.signing, "sign_pdf", broken)
    with pytest.raises(RuntimeError):
        documents.render_notice_pdf(acceptance.pk)
    notice = Notice.objects.get(pk=acceptance.pk)
    assert notice.rendered_at is None and not notice.pdf and notice.body_html == acceptance.body_html


def test_the_pdf_embeds_a_cjk_subset_and_holds_the_text_number_and_page_numbers(acceptance, tmp_path):
    documents.render_notice_pdf(acceptance.pk)
    notice = Notice.objects.get(pk=acceptance.pk)
    path = Path(notice.pdf.path)
    fonts = _poppler("pdffonts", path)
    embedded = [line for line in fonts.splitlines()[2:] if re.match(r"^[A-Z]{6}\+", line)]
    assert any("OneWindow" in line or "WenQuanYi" in line for line in embedded), fonts
    assert all(" yes " in line for line in embedded)
    text = _poppler("pdftotext", path, "-layout")
    squeezed = re.sub(r"\s+", "", text)
    assert "受理通知书" in squeezed and "宝塔区行政审批服务局" in squeezed
    assert notice.number in squeezed and notice.application.case_number in squeezed
    assert "第1页共1页" in squeezed


def _red_pixels(png: Path, box=None) -> int:
    image = Image.open(png).convert("RGB")
    if box:
        image = image.crop(box)
    return sum(1 for r, g, b in image.get_flattened_data() if r > 150 and g < 110 and b < 110)


def _page1_png(pdf: bytes, folder: Path, name: str) -> Path:
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(folder / name)], check=True, timeout=60)
    return folder / f"{name}.png"


def _date_box(pdf_path: Path, date_text: str, dpi: int = 50):
    """The pixel box of the date line (pdftotext -bbox gives PDF points)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf_path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
    dates = [w for w in words if date_text in w[4]]
    assert dates, f"{date_text} not on page 1"
    x0, y0, x1, y1 = (float(v) * dpi / 72 for v in dates[-1][:4])  # the last one: the date at the foot
    return int(x0), int(y0), int(x1), int(y1)


def test_the_seal_is_printed_over_the_date(acceptance, tmp_path):
    sealed = documents.notice_pdf_bytes(acceptance, sign=False)
    plain = documents.notice_pdf_bytes(acceptance, with_seal=False, sign=False)
    sealed_png, plain_png = _page1_png(sealed, tmp_path, "sealed"), _page1_png(plain, tmp_path, "plain")
    assert _red_pixels(plain_png) == 0
    issued_on = documents.timezone.localdate(acceptance.issued_at)
    x0, y0, x1, y1 = _date_box(tmp_path / "sealed.pdf", f"{issued_on.year}年")
    # The seal (42 mm ≈ 83 px at 50 dpi) covers the date line: plenty of red in a box around it.
    around = (x0 - 20, y0 - 45, x1 + 20, y1 + 45)
    assert _red_pixels(sealed_png, around) > 300
    assert _red_pixels(sealed_png, around) > 0.8 * _red_pixels(sealed_png)  # and nowhere else


# --- the signature -----------------------------------------------------------------------------------------


def _validate(data: bytes):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _p12, ca_path = signing.ensure_demo_credentials()
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_path))])
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    (signature,) = reader.embedded_signatures
    return signature, validate_pdf_signature(signature, context)


def test_the_pdf_carries_a_valid_pades_signature_of_the_bureau(acceptance, settings):
    documents.render_notice_pdf(acceptance.pk)
    data = Notice.objects.get(pk=acceptance.pk).pdf.read()
    signature, status = _validate(data)
    assert status.intact and status.valid and status.trusted and status.bottom_line, status.pretty_print_details()
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert settings.CENTRE_NAME in status.signing_cert.subject.human_friendly
    assert status.coverage.name == "ENTIRE_FILE"
    folder = signing.signing_dir()
    for name in (signing.DEMO_SIGNER, signing.DEMO_CA_KEY, signing.DEMO_CA_CERT):
        assert (folder / name).stat().st_mode & 0o777 == 0o600
    assert signing.ensure_demo_credentials() == (folder / signing.DEMO_SIGNER, folder / signing.DEMO_CA_CERT)


def test_changing_one_byte_in_the_signed_range_breaks_the_signature(acceptance):
    data = bytearray(documents.notice_pdf_bytes(acceptance))
    signature, _status = _validate(bytes(data))
    start, length, _second, _rest = signature.sig_object["/ByteRange"]
    # A byte of the page content stream, inside the first signed range.
    position = data.index(b"stream", start, start + length) + 20
    data[position] ^= 0x01
    _signature, status = _validate(bytes(data))
    assert not status.intact and not status.bottom_line  # the digest no longer matches the signed one


def test_a_configured_pkcs12_with_a_passphrase_is_used(acceptance, settings, tmp_path):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    p12_path, _ca = signing.ensure_demo_credentials()
    key, cert, chain = pkcs12.load_key_and_certificates(p12_path.read_bytes(), None)
    own = tmp_path / "bureau.p12"
    own.write_bytes(pkcs12.serialize_key_and_certificates(b"bureau", key, cert, chain,
                                                          BestAvailableEncryption(b"s3cret")))
    settings.DOCUMENT_SIGNING_PKCS12, settings.DOCUMENT_SIGNING_PASSPHRASE = str(own), "s3cret"
    _signature, status = _validate(documents.notice_pdf_bytes(acceptance, with_seal=False))
    assert status.valid and status.trusted
    settings.DOCUMENT_SIGNING_PASSPHRASE = "wrong"
    with pytest.raises(Exception):
        signing.sign_pdf(documents.notice_pdf_bytes(acceptance, with_seal=False, sign=False))


# --- scheduling ------------------------------------------------------------------------------------------


def test_issuing_a_notice_enqueues_its_rendering_after_the_commit(applicant_user, clerk, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    from approvals import tasks

    queued = []
    monkeypatch.setattr(tasks.render_notice, "delay", lambda notice_id: queued.append(notice_id))
    application = submitted_application(applicant_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = intake_services.accept(application, clerk)
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued == [notice.pk]


def test_the_task_renders_and_a_broker_outage_leaves_it_to_the_sweep(acceptance, monkeypatch, settings):
    from approvals import tasks

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(tasks.render_notice, "delay", down)
    documents.enqueue_render(acceptance.pk)  # logged, not raised
    Notice.objects.filter(pk=acceptance.pk).update(issued_at=acceptance.issued_at - documents.timedelta(minutes=10))
    queued = []
    monkeypatch.setattr(tasks.render_notice, "delay", lambda notice_id: queued.append(notice_id))
    assert documents.sweep_unrendered_notices() == 1 and queued == [acceptance.pk]
    tasks.render_notice.apply(args=[acceptance.pk]).get()  # the task body, eagerly
    assert Notice.objects.get(pk=acceptance.pk).rendered_at is not None
    assert documents.sweep_unrendered_notices() == 0


# --- pages and API ---------------------------------------------------------------------------------------


def test_the_page_says_pending_then_shows_the_pdf_which_only_those_who_see_the_application_get(
        client, acceptance, applicant_user, clerk, make_user):
    page = f"/office/notices/{acceptance.public_id}/"
    pdf = f"/office/notices/{acceptance.public_id}/pdf/"
    client.force_login(applicant_user)
    response = client.get(page)
    assert "文书正在生成，请稍后刷新" in response.content.decode() and pdf not in response.content.decode()
    assert client.get(pdf).status_code == 404
    assert client.get(f"/api/approvals/notices/{acceptance.public_id}/").json()["pdf_url"] is None

    documents.render_notice_pdf(acceptance.pk)
    notice = Notice.objects.get(pk=acceptance.pk)
    html = client.get(page).content.decode()
    assert "文书正在生成" not in html and f'data="{pdf}"' in html and f'href="{pdf}"' in html
    response = client.get(pdf)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline") and response["X-Frame-Options"] == "SAMEORIGIN"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == notice.pdf_sha256
    data = client.get(f"/api/approvals/notices/{acceptance.public_id}/").json()
    assert data["pdf_url"] == pdf and data["pdf_sha256"] == notice.pdf_sha256

    client.force_login(clerk)
    assert client.get(pdf).status_code == 200
    for outsider in (make_user(Role.APPLICANT), make_user(Role.DEPARTMENT_USER)):
        client.force_login(outsider)
        assert client.get(pdf).status_code == 404
        assert client.get(page).status_code == 404
    client.logout()
    assert client.get(pdf).status_code == 302
