from hypothesis import given
from hypothesis import strategies as st

from portal.identifiers import (
    CREDIT_CODE_ALPHABET,
    citizen_id_check_char,
    credit_code_check_char,
    is_valid_citizen_id,
    is_valid_credit_code,
    mask_citizen_id,
)

citizen_bodies = st.builds(
    lambda region, y, m, d, seq: f"{region}{y:04d}{m:02d}{d:02d}{seq:03d}",
    st.integers(110000, 659999).map(str),
    st.integers(1900, 2025),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 999),
)
credit_bodies = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


def test_published_examples():
    # GB 11643's own example and a well-known valid credit code.
    assert is_valid_citizen_id("11010519491231002X")
    assert is_valid_citizen_id("11010519491231002x")
    assert not is_valid_citizen_id("110105194912310021")
    assert is_valid_credit_code("91350100M000100Y43")
    assert not is_valid_credit_code("91350100M000100Y44")


@given(citizen_bodies)
def test_citizen_id_with_its_check_character_is_valid(body):
    assert is_valid_citizen_id(body + citizen_id_check_char(body))


@given(citizen_bodies, st.integers(0, 16), st.integers(1, 9))
def test_one_changed_digit_is_caught(body, position, delta):
    full = body + citizen_id_check_char(body)
    changed_digit = str((int(full[position]) + delta) % 10)
    tampered = full[:position] + changed_digit + full[position + 1 :]
    assert not is_valid_citizen_id(tampered)


def test_impossible_birth_dates_are_refused():
    body = "61060219900230002"  # 30 February
    assert not is_valid_citizen_id(body + citizen_id_check_char(body))


@given(credit_bodies)
def test_credit_code_with_its_check_character_is_valid(body):
    assert is_valid_credit_code(body + credit_code_check_char(body))


@given(credit_bodies, st.integers(0, 16), st.integers(1, 30))
def test_one_changed_credit_character_is_caught(body, position, delta):
    full = body + credit_code_check_char(body)
    ch = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(full[position]) + delta) % 31]
    assert not is_valid_credit_code(full[:position] + ch + full[position + 1 :])


def test_mask_shows_region_and_tail_only():
    assert mask_citizen_id("610602199003150021") == "610602********0021"
