"""The submission receipt (回执): what the applicant keeps after submitting, as a printable page and a PDF through
the document engine (portal.documents).

It names the case number, the applicant (a natural person's ID number masked as for the public, portal.masking:
a printed receipt is left on desks, and the progress lookup asks for the ID number's ending), the items with
their promised and statutory limits, the materials submitted (current files only, not the superseded ones),
the submission time and the intake limit, and a QR code to the public progress lookup with the case number
filled in. The QR code carries the address and the case number only, never the ID number.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from applications.models import Application
from portal import masking, qr


def progress_url(application: Application) -> str:
    """The public progress lookup, absolute, with the case number prefilled (the lookup still asks for the
    applicant's ID number's ending)."""
    return (settings.PUBLIC_BASE_URL + reverse("applications:progress") + "?"
            + urlencode({"case": application.case_number}))


def applicant_id_shown(application: Application) -> str:
    """A person's ID number masked (first and last character); an enterprise's credit code is public."""
    applicant = application.applicant
    if applicant.is_person:
        return masking.mask_id_number(applicant.id_number)
    return applicant.id_number


def material_rows(application: Application) -> list[dict]:
    """Each material asked of the applicant with what was submitted for it (uses the detail prefetch)."""
    rows = []
    for material in application.materials.all():
        if not material.asked:
            rows.append({"name": material.name, "files": [], "how": _("部门共享获取")})
            continue
        files = material.current_files
        if material.from_registry:
            how = _("电子证照库调取：%(name)s") % {"name": material.registry_reference.get("name", "")}
        elif files:
            how = _("已提交 %(n)s 个文件") % {"n": len(files)}
        elif material.tolerance_requested:
            how = _("容缺后补（期限 %(d)s）") % {"d": material.tolerance_due_date} if material.tolerance_due_date \
                else _("容缺后补")
        elif material.required:
            how = _("未提交")
        else:
            how = _("非必要，未提交")
        rows.append({"name": material.name, "files": [f.original_name for f in files], "how": how})
    return rows


def receipt_context(application: Application) -> dict:
    """Everything the receipt shows; `application` comes from selectors.application_detail (no further queries)."""
    items = []
    for ai in application.items.all():
        snapshot = ai.item_version.snapshot
        items.append({"name": ai.item_version.name, "promised_limit": snapshot.get("promised_limit"),
                      "statutory_limit": snapshot.get("statutory_limit"),
                      "department": (snapshot.get("competent_department") or {}).get("name", "")})
    url = progress_url(application)
    return {
        "application": application,
        "applicant_id_shown": applicant_id_shown(application),
        "receipt_items": items,
        "bundle": application.bundle,
        "receipt_materials": material_rows(application),
        "progress_url": url,
        "qr_svg": qr.qr_svg(url, size_mm=32, title=_("扫码查询办理进度")),
        "centre_name": settings.CENTRE_NAME,
    }
