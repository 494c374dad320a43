"""Builders of catalogue items, applicants and applications for tests and demo data (not used by requests).

They go through the real services (catalog.services.publish_item, applications.services.*) so what a test
builds is what the portal would have built.
"""
from __future__ import annotations

import io
import itertools
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.identifiers import citizen_id_check_char, credit_code_check_char

_counter = itertools.count(1)



def minimal_pdf(text: str = "OneWindow test") -> bytes:
    """A real one-page PDF (catalog, page tree, page, content stream, font, xref), which pypdf opens."""
    stream = b"BT /F1 18 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    """A real image file (Pillow encodes it), as a photo or scan would be."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=kind)
    return buffer.getvalue()


PDF_BYTES = minimal_pdf()
PNG_BYTES = image_bytes("PNG")
JPEG_BYTES = image_bytes("JPEG")


def citizen_id(birth: date = date(1990, 3, 15), region: str = "610602", serial: int | None = None) -> str:
    serial = serial if serial is not None else next(_counter) % 1000
    body = f"{region}{birth:%Y%m%d}{serial:03d}"
    return body + citizen_id_check_char(body)


def credit_code(serial: int | None = None) -> str:
    serial = serial if serial is not None else next(_counter)
    body = f"91610602MA{serial:07d}"
    return body + credit_code_check_char(body)


def pdf_upload(name: str = "材料.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def section_and_departments():
    from catalog.models import Department, Section

    department, _ = Department.objects.get_or_create(code="SCJGJ", defaults={"name": "县市场监督管理局", "short_name": "市场监管"})
    section, _ = Section.objects.get_or_create(code="SC", defaults={"name": "市场准入科"})
    return department, section


def make_item(
    name: str = "食品经营许可", *, code: str | None = None, statutory: int = 20, promised: int = 10,
    materials=None, tolerance: bool = False, commitment: bool = False, instant: bool = False, channels=("1", "2"),
    publish: bool = True, conditions: str = "有与经营的食品品种、数量相适应的经营场所。",
):
    """A published item with materials: a list of (name, dict of Material fields) or names."""
    from catalog import services as catalog_services
    from catalog.codesets import CaseType
    from catalog.models import Item, Material

    department, section = section_and_departments()
    serial = next(_counter)
    item = Item.objects.create(
        base_code=f"00011{serial:04d}", implementation_code=code or f"11610602MB0000000{serial:04d}",
        name=name, service_objects=["1", "2"], legal_basis="《中华人民共和国食品安全法》第三十五条",
        implementing_body="宝塔区行政审批服务局", competent_department=department, supervising_department=department,
        section=section, statutory_limit=0 if instant else statutory, promised_limit=0 if instant else promised,
        case_type=CaseType.INSTANT if instant else CaseType.PROMISED, channels=list(channels),
        tolerance_allowed=tolerance, commitment_allowed=commitment, conditions=conditions,
    )
    if materials is None:
        materials = [
            ("营业执照", {"source": "shared", "shared_from": "市场监管部门"}),
            ("食品经营许可申请书", {}),
            ("经营场所平面图", {"tolerable": tolerance}),
            ("法定代表人身份证明", {}),
        ]
    for position, entry in enumerate(materials, start=1):
        material_name, fields = (entry, {}) if isinstance(entry, str) else entry
        Material.objects.create(item=item, name=material_name, sort_order=position, **fields)
    if publish:
        catalog_services.publish_item(item)
    return item


def make_bundle(title: str = "我要开饭店", items=None, *, handling: str = "parallel", promised: int = 15):
    from catalog import services as catalog_services
    from catalog.models import Bundle, BundleItem

    items = items or [make_item("食品经营许可"), make_item("公共场所卫生许可",
                                                             materials=["公共场所卫生许可申请表", "法定代表人身份证明"])]
    bundle = Bundle.objects.create(code=f"bundle{next(_counter)}", title=title, handling=handling,
                                   promised_limit=promised)
    for position, item in enumerate(items, start=1):
        BundleItem.objects.create(bundle=bundle, item=item, sort_order=position)
    catalog_services.set_bundle_published(bundle, True)
    return bundle


def make_person(user, name: str = "张丽华", id_number: str | None = None):
    """The account's own natural-person identity (bound on first use)."""
    from applications import services
    from applications.models import Representation

    own = Representation.objects.filter(user=user, relation="self").select_related("applicant").first()
    if own is not None:
        return own.applicant
    return services.add_person_identity(user, name, id_number or citizen_id())


FORM_DATA = {
    "project_name": "丽华小吃店",
    "site_address": "宝塔区南关街12号",
    "description": "经营热食类食品制售",
    "contact_name": "张丽华",
    "contact_mobile": "13800000001",
    "delivery": "窗口领取",
    "food_business_type": "餐饮服务经营者",
    "food_business_items": "热食类食品制售",
    "business_area": "60",
    "venue_type": "其他",
    "building_area": "120",
    "land_certificate": "陕(2026)宝塔区不动产权第0001号",
    "contract_price": "80",
    "construction_unit": "延安建工集团有限公司",
}


def complete_draft(application, user, *, skip: tuple[str, ...] = ()):
    """Fill the form and upload a PDF for every asked material (except those named in `skip`)."""
    from applications import services

    data = dict(FORM_DATA)
    errors = services.save_form(application, user, data, final=True)
    assert not errors, errors
    for material in application.materials.all():
        if material.asked and material.name not in skip:
            services.upload_file(application, material, user, pdf_upload(f"{material.name}.pdf"))
    return application


def submitted_application(user, applicant=None, *, item=None, bundle=None, skip=()):
    from applications import services

    applicant = applicant or make_person(user)
    if item is None and bundle is None:
        item = make_item()
    application = services.start_application(user, applicant, item=item, bundle=bundle)
    complete_draft(application, user, skip=skip)
    return services.submit(application, user)


def bytes_io(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)
