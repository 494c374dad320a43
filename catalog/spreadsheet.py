"""Spreadsheet import and export of the catalogue (items and materials), the way real catalogues are kept.

Pure: no database. Parsing takes the reference data (departments, sections, themes, windows, existing items)
as a `References` value and returns every row error at once, so an administrator fixes the whole file in one
pass; catalog.services writes a file only when it has no error at all.

Formats: XLSX with two sheets, 事项 and 材料 (either may be absent), or CSV holding one of them (recognised by
its header; UTF-8 with or without BOM, or GB18030 as saved by Excel on Chinese Windows). Enumerations accept
the Chinese label or the GB/T 39046 code; several values are separated by 、 , ， ; or ；.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalog import codes, rules
from catalog.codesets import (
    CaseType,
    Channel,
    FeeKind,
    ItemType,
    Level,
    MaterialSource,
    Medium,
    Requirement,
    RiskLevel,
    ServiceObject,
)

ITEM_SHEET = "事项"
MATERIAL_SHEET = "材料"
MAX_ROWS = 5000
_MULTI_SPLIT = rules._KEYWORD_SPLIT  # 、 , ， ; ； / | and spaces
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有", "需要", "允许"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无", "不需要", "不允许", ""}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text, int, bool, choice, multi, decimal, ref, refs
    required: bool = False
    choices: type | None = None
    ref: str = ""  # which References table a ref/refs column looks in
    max_length: int | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # extra (text, code) pairs accepted for a choice


ITEM_COLUMNS = [
    Column("implementation_code", "实施编码", required=True, max_length=40),
    Column("base_code", "基本编码", required=True, max_length=32),
    Column("name", "事项名称", required=True, max_length=200),
    Column("item_type", "事项类型", "choice", True, ItemType),
    Column("level", "行使层级", "choice", True, Level, aliases=(("县级", "4"), ("区县级", "4"))),
    Column(
        "service_objects", "服务对象", "multi", True, ServiceObject,
        aliases=(("个人", "1"), ("法人", "2"), ("企业", "2"), ("个体工商户", "5")),
    ),
    Column("competent_department", "主管部门", "ref", True, ref="departments"),
    Column("supervising_department", "监管部门", "ref", True, ref="departments"),
    Column("section", "承办科室", "ref", True, ref="sections"),
    Column("implementing_body", "实施主体", required=True, max_length=100),
    Column("legal_basis", "设定依据", required=True),
    Column("conditions", "受理条件"),
    Column("statutory_limit", "法定办结时限（工作日）", "int", True),
    Column("promised_limit", "承诺办结时限（工作日）", "int", True),
    Column("limit_note", "时限说明", max_length=200),
    Column("case_type", "办件类型", "choice", True, CaseType),
    Column(
        "channels", "办理渠道", "multi", True, Channel,
        aliases=(("窗口", "1"), ("网上", "2"), ("网办", "2"), ("PC端", "2"), ("掌上", "3"), ("移动端", "3"), ("邮寄", "4"), ("快递", "4")),
    ),
    Column("fully_online", "全程网办", "bool"),
    Column("max_visits", "到现场次数", "int"),
    Column("fee_kind", "收费方式", "choice", False, FeeKind, aliases=(("免费", "free"), ("收费", "fixed"))),
    Column("fee_amount", "收费金额（元）", "decimal"),
    Column("fee_text", "收费标准及依据"),
    Column("inspection_required", "现场勘验", "bool"),
    Column("risk_level", "风险等级", "choice", False, RiskLevel, aliases=(("高", "high"), ("低", "low"))),
    Column("legal_review_required", "法制审核", "bool"),
    Column("tolerance_allowed", "容缺受理", "bool"),
    Column("commitment_allowed", "告知承诺", "bool"),
    Column("certificate_name", "审批结果名称", max_length=100),
    Column("certificate_validity_years", "证照有效期（年）", "int"),
    Column("themes", "主题", "refs", ref="themes"),
    Column("windows", "受理窗口", "refs", ref="windows"),
    Column("keywords", "关键词", max_length=300),
    Column("consult_phone", "咨询电话", max_length=64),
    Column("procedure", "办理流程"),
]

MATERIAL_COLUMNS = [
    Column("item_code", "实施编码", required=True, max_length=40),
    Column("item_name", "事项名称"),
    Column("sort_order", "序号", "int"),
    Column("name", "材料名称", required=True, max_length=200),
    Column("code", "材料编码", max_length=64),
    Column(
        "requirement", "必要性", "choice", False, Requirement,
        aliases=(("必须", "required"), ("必需", "required"), ("非必要", "conditional"), ("选择性", "conditional")),
    ),
    Column("condition", "适用情形", max_length=300),
    Column("originals", "原件份数", "int"),
    Column("copies", "复印件份数", "int"),
    Column("medium", "材料形式", "choice", False, Medium, aliases=(("纸质和电子", "both"), ("电子或纸质", "both"))),
    Column("tolerable", "可容缺", "bool"),
    Column(
        "source", "材料来源", "choice", False, MaterialSource,
        aliases=(("申请人", "applicant"), ("申请人提供", "applicant"), ("共享", "shared"), ("数据共享", "shared")),
    ),
    Column("shared_from", "共享来源", max_length=100),
    Column("notes", "填报要求", max_length=300),
    Column("registry_certificate_name", "电子证照库调取证照", max_length=100),
]

ITEM_DEFAULTS = {
    "conditions": "", "limit_note": "", "fully_online": False, "max_visits": 1, "fee_kind": FeeKind.FREE,
    "fee_amount": None, "fee_text": "", "inspection_required": False, "risk_level": RiskLevel.MEDIUM,
    "legal_review_required": False, "tolerance_allowed": False, "commitment_allowed": False,
    "certificate_name": "", "certificate_validity_years": None, "themes": [], "windows": [], "keywords": "",
    "consult_phone": "", "procedure": "",
}
MATERIAL_DEFAULTS = {
    "item_name": "", "sort_order": None, "code": "", "requirement": Requirement.REQUIRED, "condition": "",
    "originals": 1, "copies": 0, "medium": Medium.BOTH, "tolerable": False, "source": MaterialSource.APPLICANT,
    "shared_from": "", "notes": "", "registry_certificate_name": "",
}


@dataclass
class References:
    """What rows may refer to, keyed by normalised code or name -> id."""

    departments: dict[str, int] = field(default_factory=dict)
    sections: dict[str, int] = field(default_factory=dict)
    themes: dict[str, int] = field(default_factory=dict)
    windows: dict[str, int] = field(default_factory=dict)
    # implementation code -> whether that existing item allows 容缺
    existing_items: dict[str, bool] = field(default_factory=dict)

    @staticmethod
    def key(text: str) -> str:
        return rules.normalise(str(text))

    @classmethod
    def table(cls, pairs) -> dict[str, int]:
        """{normalised code or name: id} from (id, code, name) rows."""
        result: dict[str, int] = {}
        for pk, *names in pairs:
            for name in names:
                if name:
                    result[cls.key(name)] = pk
        return result


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class ParseResult:
    items: list[dict] = field(default_factory=list)
    materials: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    item_columns: set[str] = field(default_factory=set)
    material_columns: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items or self.materials)


class SpreadsheetError(ValueError):
    """The file cannot be read at all (wrong format, damaged, too large)."""


# --- reading ---------------------------------------------------------------------------------------------


def _cell(value):
    """A cell as text; numbers that are whole come back without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_tables(data: bytes, filename: str) -> dict[str, list[tuple[int, list]]]:
    """{sheet name: [(row number, raw cells), ...]} for an XLSX or CSV file; row 1 is the header."""
    suffix = Path(filename or "").suffix.lower()
    if data[:2] == b"PK" or suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(data)
    raise SpreadsheetError(_("只支持 .xlsx 和 .csv 文件。"))


def _read_xlsx(data: bytes) -> dict[str, list[tuple[int, list]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any damage means the same to the user
        raise SpreadsheetError(_("无法读取 Excel 文件，请确认是 .xlsx 格式且未损坏。")) from exc
    tables = {}
    try:
        for sheet in book.worksheets:
            rows = []
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS + 1:
                    raise SpreadsheetError(_("单个工作表不能超过 %(n)s 行。") % {"n": MAX_ROWS})
                rows.append((number, list(row)))
            tables[sheet.title.strip()] = rows
    finally:
        book.close()
    return tables


def _read_csv(data: bytes) -> dict[str, list[tuple[int, list]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise SpreadsheetError(_("无法识别 CSV 文件的编码，请另存为 UTF-8。"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if number > MAX_ROWS + 1:
            raise SpreadsheetError(_("单个工作表不能超过 %(n)s 行。") % {"n": MAX_ROWS})
        rows.append((number, row))
    if not rows:
        raise SpreadsheetError(_("文件是空的。"))
    headers = {rules.normalise(_cell(c)) for c in rows[0][1]}
    sheet = MATERIAL_SHEET if rules.normalise("材料名称") in headers else ITEM_SHEET
    return {sheet: rows}


# --- cleaning one value ----------------------------------------------------------------------------------


def _choice_lookup(column: Column) -> dict[str, str]:
    lookup = {}
    for value, label in column.choices.choices:
        lookup[rules.normalise(value)] = value
        lookup[rules.normalise(str(label))] = value
    for text, value in column.aliases:
        lookup[rules.normalise(text)] = value
    return lookup


def _clean_choice(column: Column, text: str, raw) -> str:
    lookup = _choice_lookup(column)
    key = rules.normalise(text)
    if key in lookup:
        return lookup[key]
    # Excel turns a code like "01" into the number 1: pad numbers to the width of the codes.
    if isinstance(raw, (int, float)) and text.isdigit():
        width = max(len(v) for v in column.choices.values)
        padded = text.zfill(width)
        if padded in column.choices.values:
            return padded
    labels = "、".join(str(label) for _v, label in column.choices.choices)
    raise ValueError(_("“%(value)s”不是有效的%(header)s，可填：%(labels)s。") % {"value": text, "header": column.header, "labels": labels})


def _clean(column: Column, raw, refs: References):
    text = _cell(raw)
    if column.kind == "text":
        if column.max_length and len(text) > column.max_length:
            raise ValueError(_("不能超过 %(n)s 个字。") % {"n": column.max_length})
        return text
    if column.kind == "int":
        if text == "":
            return None
        if not text.isdigit():
            raise ValueError(_("应为不小于0的整数，而不是“%(value)s”。") % {"value": text})
        value = int(text)
        if value > 32767:
            raise ValueError(_("数值过大。"))
        return value
    if column.kind == "bool":
        key = text.casefold()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise ValueError(_("应填“是”或“否”，而不是“%(value)s”。") % {"value": text})
    if column.kind == "decimal":
        if text == "":
            return None
        try:
            value = Decimal(text.replace(",", "").replace("元", ""))
        except InvalidOperation:
            raise ValueError(_("应为金额数字，而不是“%(value)s”。") % {"value": text}) from None
        if value < 0 or value >= Decimal("100000000"):
            raise ValueError(_("金额超出范围。"))
        return value.quantize(Decimal("0.01"))
    if column.kind == "choice":
        return _clean_choice(column, text, raw) if text else None
    if column.kind == "multi":
        values = []
        for part in _MULTI_SPLIT.split(text):
            if part:
                value = _clean_choice(column, part, part)
                if value not in values:
                    values.append(value)
        return sorted(values)
    table = getattr(refs, column.ref)
    if column.kind == "ref":
        if not text:
            return None
        pk = table.get(References.key(text))
        if pk is None:
            raise ValueError(_(_REF_MISSING[column.ref]) % {"value": text})
        return pk
    if column.kind == "refs":
        ids, missing = [], []
        for part in _MULTI_SPLIT.split(text):
            if part:
                pk = table.get(References.key(part))
                if pk is None:
                    missing.append(part)
                elif pk not in ids:
                    ids.append(pk)
        if missing:
            raise ValueError(_(_REF_MISSING[column.ref]) % {"value": "、".join(missing)})
        return ids
    raise AssertionError(column.kind)  # pragma: no cover


_REF_MISSING = {  # marked with gettext_noop, translated where raised
    "departments": gettext_noop("部门“%(value)s”不存在，请先在系统中维护该部门。"),
    "sections": gettext_noop("科室“%(value)s”不存在，请先在系统中维护该科室。"),
    "themes": gettext_noop("主题“%(value)s”不存在。"),
    "windows": gettext_noop("窗口“%(value)s”不存在（请填写窗口编号）。"),
}


# --- parsing sheets --------------------------------------------------------------------------------------


def _map_header(header_row: list, columns: list[Column]) -> tuple[dict[int, Column], list[Column]]:
    by_header = {rules.normalise(c.header): c for c in columns}
    # Accept headers written with half-width brackets or without the unit, e.g. 法定办结时限.
    for c in columns:
        short = c.header.split("（")[0]
        by_header.setdefault(rules.normalise(short), c)
    positions: dict[int, Column] = {}
    for index, cell in enumerate(header_row):
        column = by_header.get(rules.normalise(_cell(cell)))
        if column is not None and column not in positions.values():
            positions[index] = column
    missing = [c for c in columns if c.required and c not in positions.values()]
    return positions, missing


def _parse_sheet(sheet: str, rows, columns: list[Column], defaults: dict, refs: References, result: ParseResult):
    """Clean every row of one sheet; returns (records, present column keys)."""
    if not rows:
        return [], set()
    positions, missing = _map_header(rows[0][1], columns)
    for column in missing:
        result.errors.append(RowError(sheet, rows[0][0], column.header, _("缺少必填列“%(h)s”。") % {"h": column.header}))
    if missing:
        return [], set()
    present = {c.key for c in positions.values()}
    records = []
    for number, cells in rows[1:]:
        if all(_cell(c) == "" for c in cells):
            continue
        record = {"_row": number}
        for index, column in positions.items():
            raw = cells[index] if index < len(cells) else None
            try:
                value = _clean(column, raw, refs)
            except ValueError as exc:
                result.errors.append(RowError(sheet, number, column.header, str(exc)))
                continue
            if column.required and value in ("", None, []):
                result.errors.append(RowError(sheet, number, column.header, _("“%(h)s”不能为空。") % {"h": column.header}))
                continue
            if column.key == "base_code" and isinstance(raw, (int, float)) and value.isdigit():
                value = value.zfill(12)  # Excel dropped the leading zeros of a numeric-looking code
            record[column.key] = value
        for key, default in defaults.items():
            if record.get(key) is None and key in present:
                record[key] = default if not isinstance(default, list) else []
        records.append(record)
    return records, present


def _header(columns, key):
    return next(c.header for c in columns if c.key == key)


def _check_item(record: dict, result: ParseResult) -> None:
    row = record["_row"]

    def error(key, message):
        result.errors.append(RowError(ITEM_SHEET, row, _header(ITEM_COLUMNS, key), message))

    if all(k in record for k in ("base_code", "implementation_code")):
        for field_name, message in codes.code_problems(
            record["base_code"], record["implementation_code"], record.get("item_type"), record.get("level")
        ):
            error(field_name, message)
    statutory, promised = record.get("statutory_limit"), record.get("promised_limit")
    if statutory is not None and promised is not None and promised > statutory:
        error(
            "promised_limit",
            _("承诺时限（%(p)s个工作日）不得超过法定时限（%(s)s个工作日）。") % {"p": promised, "s": statutory},
        )
    case_type = record.get("case_type")
    if promised is not None and case_type:
        if case_type == CaseType.INSTANT and promised != 0:
            error("case_type", _("即办件的承诺时限应为0个工作日。"))
        if case_type == CaseType.PROMISED and promised < 1:
            error("case_type", _("承诺件的承诺时限至少为1个工作日；当场办结的请填“即办件”。"))
    fee_kind, amount = record.get("fee_kind") or FeeKind.FREE, record.get("fee_amount")
    if fee_kind == FeeKind.FIXED and not amount:
        error("fee_amount", _("定额收费须填写大于0的收费金额。"))
    if fee_kind != FeeKind.FIXED and amount:
        error("fee_amount", _("不收费或按标准收费时不填写收费金额，请在“收费标准及依据”中说明。"))
    if record.get("fully_online"):
        if Channel.PC not in (record.get("channels") or []):
            error("fully_online", _("全程网办的事项须支持网上办理。"))
        if record.get("max_visits") not in (0, None) or "max_visits" not in record:
            error("fully_online", _("全程网办的事项到现场次数应为0。"))
    if record.get("max_visits") is not None and record["max_visits"] > 5:
        error("max_visits", _("到现场次数不能超过5次。"))
    if record.get("certificate_validity_years") == 0:
        error("certificate_validity_years", _("有效期应为正整数；长期有效请留空。"))


def _check_material(record: dict, items_in_file: dict[str, dict], refs: References, result: ParseResult) -> None:
    row = record["_row"]

    def error(key, message):
        result.errors.append(RowError(MATERIAL_SHEET, row, _header(MATERIAL_COLUMNS, key), message))

    code = record.get("item_code")
    if code:
        if code in items_in_file:
            tolerance = bool(items_in_file[code].get("tolerance_allowed"))
        elif code in refs.existing_items:
            tolerance = refs.existing_items[code]
        else:
            error("item_code", _("实施编码“%(c)s”对应的事项不存在（本文件“事项”表和系统中均未找到）。") % {"c": code})
            tolerance = True
        if record.get("tolerable") and not tolerance:
            error("tolerable", _("该事项不允许容缺受理，材料不能标为可容缺。"))
    if record.get("requirement") == Requirement.CONDITIONAL and not record.get("condition"):
        error("condition", _("情形必要的材料须填写适用情形。"))
    if record.get("source") == MaterialSource.SHARED and record.get("tolerable"):
        error("tolerable", _("部门共享获取的材料无需申请人提交，不能标为可容缺。"))
    if record.get("source") == MaterialSource.SHARED and record.get("registry_certificate_name"):
        error("registry_certificate_name", _("部门共享获取的材料无需申请人提交，不能再设置由电子证照库调取。"))


def parse(data: bytes, filename: str, refs: References) -> ParseResult:
    """Read and check a whole file. Raises SpreadsheetError when it cannot be read at all."""
    tables = read_tables(data, filename)
    result = ParseResult()
    item_rows = tables.get(ITEM_SHEET)
    material_rows = tables.get(MATERIAL_SHEET)
    if item_rows is None and material_rows is None:
        raise SpreadsheetError(
            _("未找到“%(a)s”或“%(b)s”工作表（请使用导出的模板）。") % {"a": ITEM_SHEET, "b": MATERIAL_SHEET}
        )
    items, result.item_columns = _parse_sheet(ITEM_SHEET, item_rows or [], ITEM_COLUMNS, ITEM_DEFAULTS, refs, result)
    materials, result.material_columns = _parse_sheet(
        MATERIAL_SHEET, material_rows or [], MATERIAL_COLUMNS, MATERIAL_DEFAULTS, refs, result
    )
    seen: dict[str, int] = {}
    for record in items:
        code = record.get("implementation_code")
        if code in seen:
            result.errors.append(
                RowError(ITEM_SHEET, record["_row"], "实施编码", _("实施编码“%(c)s”与第%(n)s行重复。") % {"c": code, "n": seen[code]})
            )
        elif code:
            seen[code] = record["_row"]
        _check_item(record, result)
    items_in_file = {r["implementation_code"]: r for r in items if r.get("implementation_code")}
    seen_materials: dict[tuple, int] = {}
    for record in materials:
        key = (record.get("item_code"), record.get("name"))
        if all(key) and key in seen_materials:
            result.errors.append(
                RowError(
                    MATERIAL_SHEET, record["_row"], "材料名称",
                    _("同一事项的材料“%(m)s”与第%(n)s行重复。") % {"m": key[1], "n": seen_materials[key]},
                )
            )
        elif all(key):
            seen_materials[key] = record["_row"]
        _check_material(record, items_in_file, refs, result)
    result.errors.sort(key=lambda e: (e.sheet != ITEM_SHEET, e.row))
    result.items, result.materials = items, materials
    if not items and not materials and not result.errors:
        result.errors.append(RowError(ITEM_SHEET, 1, "", _("文件中没有数据行。")))
    return result


# --- writing ---------------------------------------------------------------------------------------------


def _format(column: Column, value, names: dict[str, dict[int, str]]) -> str | int | float:
    if value is None:
        return ""
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "choice":
        return str(dict(column.choices.choices).get(value, value))
    if column.kind == "multi":
        labels = dict(column.choices.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if column.kind == "ref":
        return names[column.ref].get(value, "")
    if column.kind == "refs":
        return "、".join(names[column.ref].get(v, "") for v in value)
    if column.kind == "decimal":
        return float(value)
    return value


def rows_for(columns: list[Column], records: list[dict], names: dict[str, dict[int, str]]) -> list[list]:
    """Header plus one formatted row per record (records keyed by column key, refs as ids)."""
    rows = [[c.header for c in columns]]
    for record in records:
        rows.append([_format(c, record.get(c.key), names) for c in columns])
    return rows


_TEXT_COLUMNS = {"implementation_code", "base_code", "item_code", "code"}


def write_xlsx(items: list[dict], materials: list[dict], names: dict[str, dict[int, str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    for title, columns, records in ((ITEM_SHEET, ITEM_COLUMNS, items), (MATERIAL_SHEET, MATERIAL_COLUMNS, materials)):
        sheet = book.create_sheet(title)
        for row in rows_for(columns, records, names):
            sheet.append(row)
        header_fill = PatternFill("solid", fgColor="F0F2F5")
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = Font(bold=True, color="B71C1C" if column.required else "1F2933")
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            letter = cell.column_letter
            sheet.column_dimensions[letter].width = 34 if column.kind == "text" and column.max_length is None else 16
            if column.key in _TEXT_COLUMNS:
                # Keep codes as text so Excel never drops their leading zeros.
                for (code_cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    code_cell.number_format = "@"
                sheet.column_dimensions[letter].width = 34
        sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(sheet: str, records: list[dict], names: dict[str, dict[int, str]]) -> bytes:
    """One sheet as CSV, UTF-8 with a BOM so Excel opens Chinese text correctly."""
    columns = ITEM_COLUMNS if sheet == ITEM_SHEET else MATERIAL_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows_for(columns, records, names))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
