"""Builders of catalogue rows for tests (of this app and the ones that depend on it). Not used by requests.

They go through catalog.services, so a test sees exactly what an administrator's action would produce.
"""
from __future__ import annotations

import itertools

from catalog import codes, services
from catalog.codesets import CaseType, Channel, ItemType, Level, MaterialSource, Requirement
from catalog.models import Bundle, BundleItem, Department, Item, Material, Section
from portal.identifiers import credit_code_check_char

_counter = itertools.count(1)
BODY_CODE = "11610602MB2954186" + credit_code_check_char("11610602MB2954186")


def make_department(name: str | None = None, code: str | None = None, **fields) -> Department:
    n = next(_counter)
    return Department.objects.create(code=code or f"D{n:03d}", name=name or f"测试部门{n}", **fields)


def make_section(name: str | None = None, code: str | None = None, **fields) -> Section:
    n = next(_counter)
    return Section.objects.create(code=code or f"S{n:03d}", name=name or f"测试审批科{n}", **fields)


def item_codes(main: int, item_type: str = ItemType.LICENSING, level: str = Level.COUNTY, sub: int = 0) -> tuple[str, str]:
    base = codes.make_base_code(item_type, main, sub)
    return base, codes.make_implementation_code(BODY_CODE, level, base)


def make_item(name: str | None = None, *, materials=None, publish: bool = False, department=None, section=None, **fields) -> Item:
    """A valid item (promised 5 of statutory 20 working days, window + online) with two materials unless
    `materials` (a list of dicts of Material fields) says otherwise; published when `publish`."""
    n = next(_counter)
    department = department or make_department()
    base, impl = item_codes(90000 + n, fields.get("item_type", ItemType.LICENSING), fields.get("level", Level.COUNTY))
    values = {
        "base_code": base,
        "implementation_code": impl,
        "name": name or f"测试事项{n}",
        "service_objects": ["1", "2"],
        "legal_basis": "《中华人民共和国行政许可法》第十二条",
        "implementing_body": "宝塔区行政审批服务局",
        "implementing_body_code": BODY_CODE,
        "competent_department": department,
        "supervising_department": department,
        "section": section or make_section(),
        "statutory_limit": 20,
        "promised_limit": 5,
        "case_type": CaseType.PROMISED,
        "channels": [Channel.WINDOW, Channel.PC],
    }
    values.update(fields)
    item = Item(**values)
    services.save_item(item)
    if materials is None:
        materials = [
            {"name": "申请书", "requirement": Requirement.REQUIRED},
            {"name": "营业执照", "source": MaterialSource.SHARED, "originals": 0},
        ]
    for position, spec in enumerate(materials, start=1):
        Material.objects.create(item=item, sort_order=position, **spec)
    if publish:
        services.publish_item(item)
    return item


def make_bundle(items, *, title: str | None = None, publish: bool = True, **fields) -> Bundle:
    n = next(_counter)
    bundle = Bundle.objects.create(code=f"bundle-{n}", title=title or f"测试一件事{n}", promised_limit=fields.pop("promised_limit", 10), **fields)
    for position, item in enumerate(items, start=1):
        BundleItem.objects.create(bundle=bundle, item=item, sort_order=position)
    if publish:
        services.set_bundle_published(bundle, True)
    return bundle
