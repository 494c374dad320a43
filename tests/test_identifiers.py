from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.divisions import (
    NATIONAL_REGION,
    RESIDENCE_PERMIT_REGIONS,
    division_codes,
    is_known_region,
    prefecture_codes,
    province_codes,
    region_problem,
)
from portal.identifiers import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_CATEGORIES,
    Problem,
    citizen_id_check_char,
    citizen_id_problem,
    credit_code_check_char,
    credit_code_problem,
    is_valid_citizen_id,
    is_valid_credit_code,
    mask_citizen_id,
    normalise_identifier,
)

TODAY = date(2026, 6, 1)
KNOWN_REGIONS = sorted(division_codes())
regions = st.sampled_from(KNOWN_REGIONS)
unknown_regions = st.integers(0, 999999).map(lambda n: f"{n:06d}").filter(lambda c: not is_known_region(c))

citizen_bodies = st.builds(
    lambda region, born, seq: f"{region}{born:%Y%m%d}{seq:03d}",
    regions, st.dates(date(1900, 1, 1), TODAY), st.integers(0, 999),
)
credit_bodies = st.builds(
    lambda authority_category, region, org: authority_category + region + org,
    st.sampled_from([a + c for a, cs in CREDIT_CODE_CATEGORIES.items() for c in cs]),
    st.one_of(regions, st.just(NATIONAL_REGION)),
    st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)

FULL_WIDTH = {chr(c): chr(c - 0x21 + 0xFF01) for c in range(0x21, 0x7F)}  # "0" -> "０", "X" -> "Ｘ"


def citizen(body: str) -> str:
    return body + citizen_id_check_char(body)


def credit(body: str) -> str:
    return body + credit_code_check_char(body)


# --- the division table ------------------------------------------------------------------------------------


def test_the_division_table_is_the_packaged_gb_t_2260_list():
    codes = division_codes()
    assert len(codes) > 5000
    assert {"610000", "610600", "610602", "110105"} <= codes  # 陕西省, 延安市, 宝塔区, 朝阳区
    assert "612600" in codes  # 延安地区 until 1996: IDs issued then keep it
    assert len(province_codes()) == 34  # 31 provinces, Taiwan, Hong Kong, Macao
    assert {"61", "11", "65", "71", "81", "82"} <= province_codes()
    assert "6106" in prefecture_codes() and "6199" not in prefecture_codes()


@pytest.mark.parametrize(("code", "problem"), [
    ("610602", None), ("610699", None), ("612601", None), ("110105", None), ("429004", None),
    ("999999", "province"), ("000000", "province"), ("100000", "province"), ("190000", "province"),
    ("619901", "prefecture"), ("110300", "prefecture"), ("6106", "province"), ("61060X", "province"),
])
def test_region_codes_need_a_known_province_and_prefecture(code, problem):
    assert region_problem(code) == problem


def test_special_regions_only_where_allowed():
    assert region_problem("830000") == "province"
    assert region_problem("830000", also=RESIDENCE_PERMIT_REGIONS) is None
    assert region_problem(NATIONAL_REGION, also=frozenset({NATIONAL_REGION})) is None


# --- normalising what people type --------------------------------------------------------------------------


def test_full_width_digits_letters_and_spaces_are_normalised():
    assert normalise_identifier("６１０６０２１９９００３１５００２１") == "610602199003150021"
    assert normalise_identifier("  11010519491231002ｘ ") == "11010519491231002X"
    assert normalise_identifier("６１０６０２\u3000１９９００３１５\u3000００２１") == "610602199003150021"
    assert normalise_identifier("9135 0100 M000 100Y 43") == "91350100M000100Y43"
    assert normalise_identifier("\ufeff91350100m000100y43\u200b") == "91350100M000100Y43"
    assert normalise_identifier(None) == ""


@given(citizen_bodies, st.lists(st.integers(0, 18), max_size=4), st.booleans())
def test_a_citizen_id_typed_full_width_with_spaces_is_the_same_id(body, spaces, full_width):
    number = citizen(body)
    typed = "".join(FULL_WIDTH.get(ch, ch) for ch in number) if full_width else number.lower()
    for position in sorted(spaces, reverse=True):
        typed = typed[:position] + " " + typed[position:]
    assert normalise_identifier(typed) == number
    assert citizen_id_problem(typed, today=TODAY) is None


@given(credit_bodies, st.booleans())
def test_a_credit_code_typed_full_width_is_the_same_code(body, full_width):
    code = credit(body)
    typed = "".join(FULL_WIDTH.get(ch, ch) for ch in code) if full_width else " " + code.lower() + " "
    assert normalise_identifier(typed) == code
    assert credit_code_problem(typed) is None


# --- citizen IDs -------------------------------------------------------------------------------------------


def test_published_examples():
    # GB 11643's own example and well-known valid credit codes (the last is the issuer in GB/T 36901's example).
    assert is_valid_citizen_id("11010519491231002X")
    assert is_valid_citizen_id("11010519491231002x")
    assert not is_valid_citizen_id("110105194912310021")
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y44")
    assert is_valid_credit_code("91110000600037341L")
    assert is_valid_credit_code("11100000000013338W")
    assert is_valid_credit_code("11430000006122244L")


@given(citizen_bodies)
def test_citizen_id_with_its_check_character_is_valid(body):
    assert citizen_id_problem(citizen(body), today=TODAY) is None


@given(citizen_bodies, st.integers(0, 16), st.integers(1, 9))
def test_one_changed_digit_is_caught(body, position, delta):
    full = citizen(body)
    changed_digit = str((int(full[position]) + delta) % 10)
    tampered = full[:position] + changed_digit + full[position + 1 :]
    assert not is_valid_citizen_id(tampered, today=TODAY)


@given(unknown_regions, st.dates(date(1900, 1, 1), TODAY), st.integers(0, 999))
def test_a_citizen_id_from_an_unknown_region_is_refused_even_with_the_right_check_character(region, born, seq):
    assume(region not in RESIDENCE_PERMIT_REGIONS)
    problem = citizen_id_problem(citizen(f"{region}{born:%Y%m%d}{seq:03d}"), today=TODAY)
    assert problem in (Problem.PROVINCE, Problem.PREFECTURE)


def test_what_the_attacker_tried_is_refused_with_the_reason():
    assert citizen_id_problem(citizen("99999919900315002")) == Problem.PROVINCE
    assert citizen_id_problem(citizen("61990219900315002")) == Problem.PREFECTURE
    assert citizen_id_problem("000000000000000000") == Problem.REPEATED
    assert citizen_id_problem("111111111111111111") == Problem.REPEATED
    assert citizen_id_problem("") == Problem.EMPTY
    assert citizen_id_problem("61060219900315002") == Problem.LENGTH
    assert citizen_id_problem("61060219900315002Y") == Problem.CHARACTERS
    assert citizen_id_problem("6106021990031500\x002") == Problem.CHARACTERS
    assert citizen_id_problem("６１０６０２１９９００３１５００２１") is None


def test_impossible_and_future_birth_dates_are_refused():
    assert citizen_id_problem(citizen("61060219900230002")) == Problem.BIRTH_DATE  # 30 February
    assert citizen_id_problem(citizen("61060218790101002")) == Problem.BIRTH_DATE  # before 1880
    assert citizen_id_problem(citizen("61060220260602002"), today=TODAY) == Problem.BIRTH_DATE  # tomorrow
    assert citizen_id_problem(citizen("61060220260601002"), today=TODAY) is None  # born today


def test_residence_permits_of_hong_kong_macao_and_taiwan_residents_are_accepted():
    for region in ("810000", "820000", "830000"):
        assert is_valid_citizen_id(citizen(f"{region}19900315002"))
    assert not is_valid_citizen_id(citizen("83010019900315002"))


# --- credit codes ------------------------------------------------------------------------------------------


@given(credit_bodies)
def test_credit_code_with_its_check_character_is_valid(body):
    assume(len(set(body)) > 1)
    assert credit_code_problem(credit(body)) is None


@given(credit_bodies, st.integers(0, 16), st.integers(1, 30))
def test_one_changed_credit_character_is_caught(body, position, delta):
    full = credit(body)
    ch = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(full[position]) + delta) % 31]
    assert not is_valid_credit_code(full[:position] + ch + full[position + 1 :])


@pytest.mark.parametrize("ch", CREDIT_CODE_ALPHABET)
def test_codes_of_one_repeated_character_are_refused(ch):
    assert credit_code_problem(ch * 18) == Problem.REPEATED
    assert not is_valid_citizen_id(ch * 18)


@given(st.sampled_from([ch for ch in CREDIT_CODE_ALPHABET if ch not in CREDIT_CODE_CATEGORIES]), credit_bodies)
def test_an_unknown_registration_authority_is_refused(authority, body):
    assert credit_code_problem(credit(authority + body[1:])) == Problem.AUTHORITY


@given(credit_bodies, st.sampled_from(CREDIT_CODE_ALPHABET))
def test_a_category_the_authority_does_not_register_is_refused(body, category):
    assume(category not in CREDIT_CODE_CATEGORIES[body[0]])
    assert credit_code_problem(credit(body[0] + category + body[2:])) == Problem.CATEGORY


@given(credit_bodies, unknown_regions)
def test_a_credit_code_from_an_unknown_region_is_refused(body, region):
    assume(region != NATIONAL_REGION)
    assert credit_code_problem(credit(body[:2] + region + body[8:])) in (Problem.PROVINCE, Problem.PREFECTURE)


def test_credit_code_problems_are_named():
    assert credit_code_problem("000000000000000000") == Problem.REPEATED
    assert credit_code_problem("111111111111111111") == Problem.REPEATED
    assert credit_code_problem(credit("94610602MA0000001")) == Problem.CATEGORY  # 工商 has no category 4
    assert credit_code_problem(credit("B1610602MA0000001")) == Problem.AUTHORITY
    assert credit_code_problem(credit("91999999MA0000001")) == Problem.PROVINCE
    assert credit_code_problem(credit("91619902MA0000001")) == Problem.PREFECTURE
    assert credit_code_problem("91610602MA000000IO") == Problem.CHARACTERS
    code = credit("91610602MA0000001")
    assert credit_code_problem("".join(FULL_WIDTH.get(ch, ch) for ch in code)) is None
    assert credit_code_problem(code[:17] + CREDIT_CODE_ALPHABET[CREDIT_CODE_ALPHABET.index(code[17]) - 1]) == Problem.CHECK


def test_mask_shows_region_and_tail_only():
    assert mask_citizen_id("610602199003150021") == "610602********0021"
