"""Spreadsheet import/export: every row error listed, nothing written unless the whole file is valid."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from catalog import selectors, services, spreadsheet
from catalog.models import Item, ItemVersion, Material
from catalog.spreadsheet import ITEM_COLUMNS, ITEM_SHEET, MATERIAL_COLUMNS, MATERIAL_SHEET
from catalog.testing import item_codes, make_department, make_item, make_section
from portal.models import AuditEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def refs_world():
    make_department("宝塔区市场监督管理局", code="SCJG", short_name="区市场监管局")
    make_section("市场准入审批科", code="SCZR")


def item_row(n: int, **overrides) -> dict:
    base, impl = item_codes(100 + n)
    row = {
        "实施编码": impl, "基本编码": base, "事项名称": f"导入事项{n}", "事项类型": "行政许可", "行使层级": "县级",
        "服务对象": "自然人、企业法人", "主管部门": "宝塔区市场监督管理局", "监管部门": "区市场监管局", "承办科室": "市场准入审批科",
        "实施主体": "宝塔区行政审批服务局", "设定依据": "《中华人民共和国食品安全法》第三十五条",
        "法定办结时限（工作日）": 20, "承诺办结时限（工作日）": 5, "办件类型": "承诺件", "办理渠道": "窗口办理、网上办理",
        "容缺受理": "是", "收费方式": "不收费",
    }
    row.update(overrides)
    return row


def material_row(item_code: str, name: str, **overrides) -> dict:
    row = {"实施编码": item_code, "材料名称": name, "必要性": "必要", "原件份数": 1, "复印件份数": 0, "材料形式": "纸质", "可容缺": "否", "材料来源": "申请人自备"}
    row.update(overrides)
    return row


def workbook(items: list[dict], materials: list[dict]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, columns, rows in ((ITEM_SHEET, ITEM_COLUMNS, items), (MATERIAL_SHEET, MATERIAL_COLUMNS, materials)):
        sheet = book.create_sheet(title)
        headers = [c.header for c in columns]
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse(data: bytes, filename="清单.xlsx"):
    return spreadsheet.parse(data, filename, selectors.spreadsheet_references())


def test_a_valid_file_imports_every_row(refs_world, make_user):
    admin = make_user(Role.ADMINISTRATOR)
    rows = [item_row(n) for n in range(1, 4)]
    materials = [material_row(r["实施编码"], name) for r in rows for name in ("申请书", "场所证明")]
    materials[1]["可容缺"] = "是"
    result = parse(workbook(rows, materials))
    assert result.errors == []
    summary = services.import_catalogue(result, by=admin, filename="清单.xlsx")
    assert (summary.items_created, summary.materials_created) == (3, 6)
    item = Item.objects.get(implementation_code=rows[0]["实施编码"])
    assert item.service_objects == ["1", "2"] and item.channels == ["1", "2"] and item.tolerance_allowed
    assert item.supervising_department.name == "宝塔区市场监督管理局"  # found by its short name
    assert list(item.materials.values_list("name", "tolerable")) == [("申请书", False), ("场所证明", True)]
    assert "导入事项1" in item.search_text
    audit = AuditEvent.objects.get(action="catalog_import")
    assert audit.actor == admin and audit.data["items_created"] == 3


def test_one_bad_row_changes_nothing_and_every_error_is_listed(refs_world):
    existing = make_item("已有事项", publish=True)
    good = item_row(1)
    bad_dept = item_row(2, **{"主管部门": "宝塔区不存在局"})
    bad_code = item_row(3, **{"基本编码": "12345"})
    too_long = item_row(4, **{"承诺办结时限（工作日）": 30})
    update_existing = item_row(5, **{"实施编码": existing.implementation_code, "基本编码": existing.base_code, "事项名称": "改名"})
    materials = [material_row(good["实施编码"], "申请书"), material_row("116106020000000000401009999900", "孤儿材料")]
    result = parse(workbook([good, bad_dept, bad_code, too_long, update_existing], materials))
    found = {(e.sheet, e.row, e.column) for e in result.errors}
    assert (ITEM_SHEET, 3, "主管部门") in found
    assert (ITEM_SHEET, 4, "基本编码") in found
    assert (ITEM_SHEET, 5, "承诺办结时限（工作日）") in found
    assert (MATERIAL_SHEET, 3, "实施编码") in found
    messages = " ".join(e.message for e in result.errors)
    assert "宝塔区不存在局" in messages and "不得超过法定时限" in messages
    assert not result.ok
    with pytest.raises(ValidationError):
        services.import_catalogue(result)
    assert Item.objects.count() == 1 and Item.objects.get().name == "已有事项"
    assert not AuditEvent.objects.filter(action="catalog_import").exists()


def test_import_updates_by_implementation_code_and_refreezes_published_items(refs_world):
    item = make_item("食品经营许可", publish=True, materials=[{"name": "申请书"}, {"name": "旧材料"}])
    row = item_row(1, **{"实施编码": item.implementation_code, "基本编码": item.base_code, "事项名称": "食品经营许可",
                        "承诺办结时限（工作日）": 3, "主管部门": "SCJG"})
    result = parse(workbook([row], [material_row(item.implementation_code, "申请书"), material_row(item.implementation_code, "新材料")]))
    assert result.errors == []
    summary = services.import_catalogue(result)
    assert (summary.items_updated, summary.materials_updated, summary.materials_created, summary.materials_removed) == (1, 1, 1, 1)
    assert summary.versions_created == 1
    version = services.require_applicable(item)
    assert version.number == 2 and version.promised_limit == 3
    assert [m["name"] for m in version.materials] == ["申请书", "新材料"]
    assert ItemVersion.objects.get(item=item, number=1).snapshot["promised_limit"] == 5


def test_import_can_publish_new_items(refs_world):
    row = item_row(1)
    result = parse(workbook([row], [material_row(row["实施编码"], "申请书")]))
    summary = services.import_catalogue(result, publish=True)
    assert summary.published == 1
    services.require_applicable(Item.objects.get(implementation_code=row["实施编码"]))


@pytest.mark.parametrize(
    "overrides,column,fragment",
    [
        ({"事项类型": "行政批准"}, "事项类型", "不是有效的"),
        ({"办件类型": "即办件"}, "办件类型", "即办件的承诺时限应为0"),
        ({"收费方式": "定额收费"}, "收费金额（元）", "大于0"),
        ({"全程网办": "是", "办理渠道": "窗口办理"}, "全程网办", "网上办理"),
        ({"法定办结时限（工作日）": "二十"}, "法定办结时限（工作日）", "整数"),
        ({"容缺受理": "也许"}, "容缺受理", "“是”或“否”"),
        ({"事项名称": ""}, "事项名称", "不能为空"),
        ({"主题": "不存在的主题"}, "主题", "不存在"),
    ],
)
def test_row_checks(refs_world, overrides, column, fragment):
    result = parse(workbook([item_row(1, **overrides)], []))
    assert any(e.column == column and fragment in e.message and e.row == 2 for e in result.errors), result.errors


def test_material_checks(refs_world):
    row = item_row(1, **{"容缺受理": "否"})
    code = row["实施编码"]
    materials = [
        material_row(code, "授权委托书", **{"必要性": "情形必要"}),
        material_row(code, "营业执照", **{"材料来源": "部门共享获取", "可容缺": "是"}),
        material_row(code, "场所证明", **{"可容缺": "是"}),
        material_row(code, "场所证明"),
    ]
    result = parse(workbook([row], materials))
    got = {(e.row, e.column) for e in result.errors if e.sheet == MATERIAL_SHEET}
    assert got == {(2, "适用情形"), (3, "可容缺"), (4, "可容缺"), (5, "材料名称")}


def test_missing_required_column_is_reported_on_the_header_row(refs_world):
    book = Workbook()
    sheet = book.active
    sheet.title = ITEM_SHEET
    sheet.append(["实施编码", "事项名称"])
    sheet.append(["x", "y"])
    out = io.BytesIO()
    book.save(out)
    result = parse(out.getvalue())
    assert {e.row for e in result.errors} == {1}
    assert any(e.column == "基本编码" for e in result.errors)


def test_export_then_import_is_a_clean_round_trip(refs_world):
    make_item("食品经营许可", publish=True, keywords="餐饮、饭店", fee_kind="fixed", fee_amount="50.00")
    make_item("公共场所卫生许可", publish=True)
    items, materials, names = selectors.export_records()
    data = spreadsheet.write_xlsx(items, materials, names)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [ITEM_SHEET, MATERIAL_SHEET]
    assert book[ITEM_SHEET].max_row == 3 and book[MATERIAL_SHEET].max_row == 5
    result = parse(data)
    assert result.errors == []
    summary = services.import_catalogue(result)
    assert (summary.items_updated, summary.items_created, summary.versions_created) == (2, 0, 0)


def test_csv_export_and_gb18030_import(refs_world):
    item = make_item("食品经营许可", publish=True)
    items, materials, names = selectors.export_records()
    data = spreadsheet.write_csv(ITEM_SHEET, items, names)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig").replace("食品经营许可", "食品经营许可（导入）")
    result = parse(text.encode("gb18030"), "事项.csv")  # as Excel saves CSV on Chinese Windows
    assert result.errors == [] and len(result.items) == 1 and result.materials == []
    services.import_catalogue(result)
    item.refresh_from_db()
    assert item.name == "食品经营许可（导入）"
    material_csv = spreadsheet.write_csv(MATERIAL_SHEET, materials, names)
    assert len(parse(material_csv, "材料.csv").materials) == 2


def test_unreadable_files_are_refused(refs_world):
    with pytest.raises(spreadsheet.SpreadsheetError):
        parse(b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(spreadsheet.SpreadsheetError):
        parse(b"%PDF-1.7", "x.pdf")


# --- through the admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def _upload(client, data: bytes, name="清单.xlsx", dry_run=True, publish=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {"file": SimpleUploadedFile(name, data)}
    if dry_run:
        payload["dry_run"] = "on"
    if publish:
        payload["publish"] = "on"
    return client.post(reverse("admin:catalog_item_import"), payload)


def test_admin_dry_run_lists_row_errors_and_writes_nothing(refs_world, admin_client):
    data = workbook([item_row(1), item_row(2, **{"主管部门": "不存在局"})], [])
    response = _upload(admin_client, data, dry_run=False)
    assert response.status_code == 200
    page = response.content.decode()
    assert "不存在局" in page and 'data-testid="import-error"' in page
    assert Item.objects.count() == 0


def test_admin_dry_run_then_import(refs_world, admin_client):
    row = item_row(1)
    data = workbook([row], [material_row(row["实施编码"], "申请书")])
    response = _upload(admin_client, data, dry_run=True)
    assert 'data-testid="dry-run-ok"' in response.content.decode()
    assert Item.objects.count() == 0
    response = _upload(admin_client, data, dry_run=False, publish=True)
    assert response.status_code == 302
    item = Item.objects.get()
    assert Material.objects.filter(item=item).count() == 1
    services.require_applicable(item)


def test_admin_export_downloads(refs_world, admin_client):
    make_item("食品经营许可", publish=True)
    response = admin_client.get(reverse("admin:catalog_item_export") + "?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert load_workbook(io.BytesIO(response.content))[ITEM_SHEET]["C2"].value == "食品经营许可"
    response = admin_client.get(reverse("admin:catalog_item_export") + "?format=csv&sheet=materials")
    assert "申请书" in response.content.decode("utf-8-sig")


def test_import_needs_catalogue_permissions(client, make_user):
    clerk = make_user(Role.WINDOW_CLERK, is_staff=True)
    client.force_login(clerk)
    response = client.get(reverse("admin:catalog_item_import"))
    assert response.status_code == 403
