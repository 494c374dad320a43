"""Pure modules of the applicant's side: case-number format, upload sniffing, the catalogue-driven form."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from applications import casenumbers, formspecs
from portal import sniffing

# --- case numbers -----------------------------------------------------------------------------------------


def test_case_number_is_code_date_and_five_digit_sequence():
    number = casenumbers.format_case_number("11610602MB1562781M3000117002", date(2026, 11, 23), 7)
    assert number == "11610602MB1562781M3000117002" + "20261123" + "00007"
    assert len(number) <= 50


def test_separators_in_the_implementation_code_are_dropped():
    assert casenumbers.format_case_number("000104-001000-1a", date(2026, 1, 2), 1) == "0001040010001A2026010200001"


def test_a_code_too_long_for_50_characters_is_refused():
    code = "1" * (casenumbers.max_code_length() + 1)
    with pytest.raises(ValueError, match="longer than 50"):
        casenumbers.format_case_number(code, date(2026, 1, 2), 1)
    assert len(casenumbers.format_case_number("1" * casenumbers.max_code_length(), date(2026, 1, 2), 1)) == 50


@given(
    code=st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=1, max_size=37),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    sequence=st.integers(min_value=1, max_value=99_999),
)
def test_case_numbers_parse_back(code, day, sequence):
    number = casenumbers.format_case_number(code, day, sequence)
    assert len(number) <= 50
    assert casenumbers.parse_case_number(number, code) == (day, sequence)
    assert casenumbers.looks_like_case_number(number)


@given(st.integers(min_value=1, max_value=99_998))
def test_sequence_order_is_number_order_within_a_day(n):
    a = casenumbers.format_case_number("X1", date(2026, 5, 6), n)
    b = casenumbers.format_case_number("X1", date(2026, 5, 6), n + 1)
    assert a < b


# --- sniffing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\xef\xbb\xbf%PDF-1.4", "pdf"),
        (b"\r\n%PDF-1.4", "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\xff\xd8\xff\xe1\x00\x10Exif", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"PK\x03\x04" + b"\x00" * 26 + b"OFD.xml", "ofd"),
    ],
)
def test_allowed_types_are_recognised_by_their_bytes(head, expected):
    assert sniffing.sniff(head).key == expected


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"MZ\x90\x00",  # a Windows executable renamed to .pdf
        b"<html><script>alert(1)</script>",
        b"PK\x03\x04word/document.xml",  # a .docx is a ZIP but not OFD
        b"GIF89a",
        b"\x89PNX\r\n\x1a\n",
        b"%PDX-1.4",
        b"hello %PDF-1.4",  # text before the header is not a PDF
    ],
)
def test_other_bytes_are_refused(head):
    assert sniffing.sniff(head) is None


@given(st.binary(max_size=64))
def test_sniff_never_raises_and_only_answers_allowed_types(data):
    result = sniffing.sniff(data)
    assert result is None or result in sniffing.ALLOWED


# --- the form --------------------------------------------------------------------------------------------


def test_item_fields_are_added_to_the_common_ones_once_for_a_bundle():
    spec = formspecs.spec_for(["食品经营许可", "公共场所卫生许可"])
    keys = spec.keys()
    assert keys[: len(formspecs.COMMON_FIELDS)] == [f.key for f in formspecs.COMMON_FIELDS]
    assert "food_business_type" in keys and "venue_type" in keys
    assert keys.count("business_area") == 1


def test_a_draft_may_be_incomplete_but_a_final_form_may_not():
    spec = formspecs.spec_for(["食品经营许可"])
    cleaned, errors = formspecs.clean(spec, {"project_name": "小店"}, partial=True)
    assert cleaned["project_name"] == "小店" and not errors
    _cleaned, errors = formspecs.clean(spec, {"project_name": "小店"})
    assert errors["site_address"] == "请填写项目或经营场所地址。"
    assert errors["food_business_type"] == "请填写主体业态。"


def test_choices_mobiles_and_conditional_fields_are_checked():
    spec = formspecs.spec_for([])
    data = {"project_name": "a", "site_address": "b", "description": "c", "contact_name": "d",
            "contact_mobile": "12345", "delivery": "空投"}
    _cleaned, errors = formspecs.clean(spec, data)
    assert errors["contact_mobile"] == "请输入11位中国大陆手机号码。"
    assert errors["delivery"] == "请从列表中选择结果领取方式。"
    data.update(contact_mobile="13912345678", delivery=formspecs.DELIVERY_POST)
    _cleaned, errors = formspecs.clean(spec, data)
    assert errors == {"postal_address": "请填写邮寄地址。"}
    data["postal_address"] = "宝塔区1号"
    assert formspecs.clean(spec, data)[1] == {}
