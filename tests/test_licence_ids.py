"""The electronic licence id (portal.licence_ids) and the inline SVG QR code (portal.qr). Pure: no database."""
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from hypothesis import assume, given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from portal import licence_ids
from portal.identifiers import CREDIT_CODE_ALPHABET, credit_code_check_char
from portal.licence_ids import (
    ALPHABET,
    MAX_LENGTH,
    MESSAGES,
    ROOT,
    SERIAL_MAX_LENGTH,
    Parts,
    build,
    check_character,
    is_valid,
    parse,
    problem,
)
from portal.qr import QUIET_ZONE, qr_matrix, qr_svg

EXAMPLE = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"  # GB/T 36901-2018
TYPE_CODE, ISSUER, SERIAL, VERSION, CHECK = EXAMPLE[len(ROOT):].split(".")
BODY = TYPE_CODE + ISSUER + SERIAL + VERSION
FULL_WIDTH = {chr(c): chr(c - 0x21 + 0xFF01) for c in range(0x21, 0x7F)}


def hybrid_residue(chars: str) -> int:
    """ISO/IEC 7064 MOD 37,36 verification, written from the standard's side: run the recursion over the body
    *and* its check character; a correct string ends with S == 1. (Independent of how the module derives the
    check character from P.)"""
    p, s = 36, None
    for ch in chars:
        s = (p + ALPHABET.index(ch)) % 36 or 36
        p = 2 * s % 37
    return s


# --- the check character -----------------------------------------------------------------------------------


def test_the_published_example_verifies():
    assert check_character(BODY) == CHECK == "U"
    assert check_character(f"{TYPE_CODE}.{ISSUER}.{SERIAL}.{VERSION}") == "U"  # separators are ignored
    assert hybrid_residue(BODY + CHECK) == 1
    assert problem(EXAMPLE) is None and is_valid(EXAMPLE)
    assert parse(EXAMPLE) == Parts(TYPE_CODE, ISSUER, SERIAL, 1, "U")
    assert str(parse(EXAMPLE)) == EXAMPLE


def test_the_example_pins_the_span_of_the_check():
    """The plain hybrid system, over exactly the four segments after the root: other spans give other
    characters (what the module's docstring says)."""
    assert check_character(ROOT + BODY) == "7"  # root included
    assert check_character(TYPE_CODE + ISSUER + SERIAL) == "4"  # version left out
    assert check_character(BODY) == "U"


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=80))
def test_every_check_character_satisfies_the_verification_rule(body):
    assert hybrid_residue(body + check_character(body)) == 1


@pytest.mark.parametrize("body", ["", "...", "11100000000013338w011", "1110-0000", "一二三"])
def test_check_character_refuses_what_it_cannot_compute(body):
    with pytest.raises(ValueError):
        check_character(body)


def substitutions(chars: str):
    for i, original in enumerate(chars):
        for ch in ALPHABET:
            if ch != original:
                yield chars[:i] + ch + chars[i + 1:]


def transpositions(chars: str):
    for i in range(len(chars) - 1):
        if chars[i] != chars[i + 1]:
            yield chars[:i] + chars[i + 1] + chars[i] + chars[i + 2:]


def test_every_single_substitution_in_the_example_is_detected():
    """Exhaustive over the example's body and check character: 54 positions x 35 other characters."""
    mutants = list(substitutions(BODY + CHECK))
    assert len(mutants) == 54 * 35
    for mutant in mutants:
        assert hybrid_residue(mutant) != 1, mutant
        assert check_character(mutant[:-1]) != mutant[-1], mutant


def test_every_adjacent_transposition_in_the_example_is_detected():
    """Including across the (ignored) separators and the swap of the last version digit with the check."""
    mutants = list(transpositions(BODY + CHECK))
    assert len(mutants) == 26  # the example is mostly zeros: 26 neighbours differ
    for mutant in mutants:
        assert check_character(mutant[:-1]) != mutant[-1], mutant


def test_every_mutation_of_the_example_as_written_is_refused():
    """The same on the id as a person would copy it: any character after the root replaced (by a letter, a
    digit or a ".") or swapped with its neighbour (a "." too) gives an id that does not pass."""
    tail = EXAMPLE[len(ROOT):]
    for i, original in enumerate(tail):
        for ch in ALPHABET + ".":
            if ch != original:
                mutant = ROOT + tail[:i] + ch + tail[i + 1:]
                assert problem(mutant) is not None, mutant
    for mutant in transpositions(tail):
        assert problem(ROOT + mutant) is not None, mutant


def running_s(chars: str, i: int) -> tuple[int, int]:
    """The S values of the recursion at positions i and i + 1 of `chars`."""
    p = 36
    for ch in chars[:i]:
        p = 2 * ((p + ALPHABET.index(ch)) % 36 or 36) % 37
    return (p + ALPHABET.index(chars[i])) % 36 or 36, (p + ALPHABET.index(chars[i + 1])) % 36 or 36


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=80), st.data())
def test_every_substitution_is_detected_on_any_body(body, data):
    chars = body + check_character(body)
    i = data.draw(st.integers(0, len(chars) - 1))
    ch = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != chars[i]))
    substituted = chars[:i] + ch + chars[i + 1:]
    assert check_character(substituted[:-1]) != substituted[-1]


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=80), st.data())
def test_an_adjacent_transposition_escapes_only_when_s_runs_18_19(body, data):
    """MOD 37,36 is a hybrid system, and a hybrid system does NOT catch every adjacent transposition: swapping
    two neighbours goes unnoticed exactly when the recursion's S values at them are 18 and 19 (then
    2 * 18 = 36 and 2 * 19 = 38 = 1 (mod 37) bring both orders to the same P). That needs the two values to be
    consecutive (mod 36) and the running P to be one particular value: about 1 in 630 swaps of two random
    distinct characters, and 1 in 36 swaps of two consecutive ones. Every other swap is caught."""
    chars = body + check_character(body)
    j = data.draw(st.integers(0, len(chars) - 2))
    assume(chars[j] != chars[j + 1])
    swapped = chars[:j] + chars[j + 1] + chars[j] + chars[j + 2:]
    escapes = set(running_s(chars, j)) == {18, 19}
    assert (check_character(swapped[:-1]) == swapped[-1]) == escapes


def test_the_transpositions_that_escape_are_exactly_those():
    """Exhaustive over the recursion: every incoming P (1..36) and every ordered pair of distinct values."""
    def step(p, a):
        return 2 * ((p + a) % 36 or 36) % 37

    escaping = {
        (p, a, b) for p in range(1, 37) for a in range(36) for b in range(36)
        if a != b and step(step(p, a), b) == step(step(p, b), a)
    }
    assert escaping == {
        (p, a, b) for p in range(1, 37) for a in range(36) for b in range(36)
        if {(p + a) % 36 or 36, (p + b) % 36 or 36} == {18, 19}
    }
    assert len(escaping) == 72


def test_a_realistic_transposition_that_escapes():
    """Two serials a clerk could swap digits between, with the same check character: the check character is a
    typing guard, not a proof; verification must still find the id in the licence records."""
    first = build(TYPE_CODE, ISSUER, "20230000423")
    second = build(TYPE_CODE, ISSUER, "20230000432")
    assert first.endswith(".O") and second.endswith(".O")
    assert is_valid(first) and is_valid(second)


# --- build and parse ---------------------------------------------------------------------------------------

type_codes = st.text(alphabet=ALPHABET, min_size=21, max_size=21)
issuers = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17).map(
    lambda body: body + credit_code_check_char(body)
)
serials = st.text(alphabet=ALPHABET, min_size=1, max_size=SERIAL_MAX_LENGTH)
versions = st.integers(1, 999)


def test_build_gives_the_published_example():
    assert build(TYPE_CODE, ISSUER, SERIAL, 1) == EXAMPLE
    assert build(TYPE_CODE, ISSUER, 20230000403) == EXAMPLE  # an int serial, the default version


@given(type_codes, issuers, serials, versions)
def test_build_and_parse_round_trip(type_code, issuer, serial, version):
    value = build(type_code, issuer, serial, version)
    assert problem(value) is None
    assert len(value) <= MAX_LENGTH
    parts = parse(value)
    assert (parts.type_code, parts.issuer_code, parts.serial, parts.version) == (type_code, issuer, serial, version)
    assert str(parts) == value
    assert parts.check == check_character(parts.body)
    assert build(parts.type_code, parts.issuer_code, parts.serial, parts.version) == value


def test_the_longest_id_fits_max_length():
    assert len(build(TYPE_CODE, ISSUER, "9" * SERIAL_MAX_LENGTH, 999)) == MAX_LENGTH


def test_an_id_is_read_as_typed():
    lower = EXAMPLE.lower()
    full_width = "".join(FULL_WIDTH.get(ch, ch) for ch in EXAMPLE)  # "．" for "." too
    spaced = " " + EXAMPLE.replace(".", ". ") + "\u200b\n"
    for typed in (lower, full_width, spaced):
        assert problem(typed) is None, typed
        assert licence_ids.normalise(typed) == EXAMPLE
        assert str(parse(typed)) == EXAMPLE
    assert licence_ids.normalise("1.2.156.3005.2.x") is None


# --- what is wrong -----------------------------------------------------------------------------------------

EX = EXAMPLE[: -len(".001.U")]  # up to and including the serial


def with_check(value: str) -> str:
    """`value` (root, type, issuer, serial, version) with its correct check character, so that only the thing
    under test is wrong."""
    return f"{value}.{check_character(value[len(ROOT):])}"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        (12345, "empty"),
        (EXAMPLE.replace("W", "-"), "characters"),
        (EXAMPLE.replace("3005", "3005/"), "characters"),
        (EXAMPLE + "中", "characters"),
        (EXAMPLE.replace(ROOT, "1.2.156.3005.1."), "root"),
        (EXAMPLE.replace(ROOT, "1.2.156.3005."), "root"),
        (EXAMPLE.replace(ROOT, "2.1.156.3005.2."), "root"),
        (EXAMPLE[len(ROOT):], "root"),
        (EXAMPLE.replace(ROOT, "1.2.156.3005.2"), "root"),  # the root without its final "."
        (EXAMPLE[: -len(".U")], "segments"),  # check character left out
        (EXAMPLE + ".U", "segments"),
        (EXAMPLE.replace(".001.", ".001.."), "segments"),
        (ROOT, "segments"),
        (with_check(EX.replace("W011", "W01") + ".001"), "type_code"),  # 20 characters
        (with_check(EX.replace("W011", "W0111") + ".001"), "type_code"),  # 22
        (with_check(EX.replace("244L", "44L") + ".001"), "issuer_length"),  # 17
        (with_check(EX.replace("244L", "2444L") + ".001"), "issuer_length"),  # 19
        (with_check(EX.replace("244L", "244M") + ".001"), "issuer_check"),  # GB 32100 check character wrong
        (with_check(EX.replace("11430000006122244L", "I1430000006122244L") + ".001"), "issuer_check"),  # no "I"
        (with_check(EX.replace(".20230000403", ".") + ".001"), "serial"),  # empty
        (with_check(EX.replace("20230000403", "1" * (SERIAL_MAX_LENGTH + 1)) + ".001"), "serial"),
        (with_check(EX + ".01"), "version"),
        (with_check(EX + ".0001"), "version"),
        (with_check(EX + ".000"), "version"),
        (with_check(EX + ".00A"), "version"),
        (with_check(EX + ".1"), "version"),
        (EXAMPLE + "U", "check_length"),
        (EXAMPLE[:-1], "check_length"),
        (EXAMPLE[:-1] + "V", "check"),
        (EXAMPLE[:-1] + "0", "check"),
        (EXAMPLE.replace(".001.", ".002."), "check"),  # a new version needs its own check character
    ],
)
def test_a_malformed_id_is_refused_with_the_right_message(value, reason):
    assert problem(value) == MESSAGES[reason]
    assert not is_valid(value)
    assert parse(value) is None


def test_the_messages_are_chinese_and_name_the_part():
    assert MESSAGES["root"].count("1.2.156.3005.2.") == 1
    for key, message in MESSAGES.items():
        assert re.search(r"[\u4e00-\u9fff]", message), key
        assert message.endswith("。"), key


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((TYPE_CODE[:-1], ISSUER, SERIAL), "type_code"),
        ((TYPE_CODE, ISSUER[:-1] + "M", SERIAL), "issuer_check"),
        ((TYPE_CODE, ISSUER[1:], SERIAL), "issuer_length"),
        ((TYPE_CODE, ISSUER, ""), "serial"),
        ((TYPE_CODE, ISSUER, -5), "serial"),
        ((TYPE_CODE, ISSUER, "2023.0403"), "characters"),
        ((TYPE_CODE, ISSUER, "2023-0403"), "characters"),
        ((TYPE_CODE, ISSUER, SERIAL, 0), "version"),
        ((TYPE_CODE, ISSUER, SERIAL, 1000), "version"),
        ((TYPE_CODE, ISSUER, SERIAL, "001"), "version"),
        ((TYPE_CODE, ISSUER, SERIAL, True), "version"),
    ],
)
def test_build_refuses_malformed_parts(args, reason):
    with pytest.raises(ValueError) as refused:
        build(*args)
    assert str(refused.value) == MESSAGES[reason]


# --- QR code -----------------------------------------------------------------------------------------------

VERIFY_URL = f"http://127.0.0.1:8000/verify/{EXAMPLE}"
SVG = "{http://www.w3.org/2000/svg}"


def decode(image: Image.Image) -> zxingcpp.Barcode:
    result = zxingcpp.read_barcode(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert result is not None, "no QR code found"
    return result


def rasterise_own_path(svg: str, scale: int = 8) -> Image.Image:
    """Draw the SVG's path with Pillow, reading it back from the SVG text (not from the matrix): the squares
    qr_svg writes, "M<x> <y>h<w>v1h-<w>z", on its white background."""
    root = ET.fromstring(svg)
    _, _, width, height = (int(n) for n in root.get("viewBox").split())
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    d = root.find(f"{SVG}path").get("d")
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", d)
    assert "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w in runs) == d  # nothing else in the path
    for x, y, w in runs:
        x, y, w = int(x), int(y), int(w)
        draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + 1) * scale - 1], fill=0)
    return image


def test_the_svg_decodes_to_the_text():
    svg = qr_svg(VERIFY_URL)
    result = decode(rasterise_own_path(svg))
    assert result.text == VERIFY_URL
    assert result.ec_level == "M"


def test_the_svg_printed_by_weasyprint_decodes_to_the_text(tmp_path):
    """What the licence templates will do: an inline <svg> in HTML, printed to PDF by WeasyPrint, the page
    rasterised by poppler (pdftoppm, a test system package) and scanned: the example at 30 mm, and the
    longest id there can be at 25 mm."""
    from weasyprint import HTML

    longest = "http://127.0.0.1:8000/verify/" + build(TYPE_CODE, ISSUER, "9" * SERIAL_MAX_LENGTH, 999)
    for text, size_mm in ((VERIFY_URL, 30), (longest, 25)):
        html = f"<!doctype html><html><body><p>电子证照</p>{qr_svg(text, size_mm=size_mm)}</body></html>"
        pdf = tmp_path / "licence.pdf"
        HTML(string=html).write_pdf(pdf)
        subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", pdf, tmp_path / "page"], check=True)
        result = decode(Image.open(tmp_path / "page.png"))
        assert result.text == text
        assert result.ec_level == "M"


def test_the_svg_can_be_embedded():
    svg = qr_svg(VERIFY_URL, size_mm=22.5, title="扫码核验")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg.upper()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("22.5mm", "22.5mm")
    n = len(qr_matrix(VERIFY_URL))
    assert root.get("viewBox") == f"0 0 {n} {n}"
    assert root.find(f"{SVG}title").text == "扫码核验" and root.get("role") == "img"
    # nothing fetched, nothing scripted, no ids to clash with a second code on the same page
    for marker in ("href", "url(", "<image", "<script", "<style", "<foreignObject", " id="):
        assert marker not in svg, marker
    assert VERIFY_URL not in svg  # the text is only in the modules, never in the markup
    assert "<title>" not in qr_svg(VERIFY_URL) and 'aria-hidden="true"' in qr_svg(VERIFY_URL)
    assert "&lt;b&gt;" in qr_svg("x", title="<b>")


def test_the_matrix_has_a_quiet_zone_and_error_correction_m():
    matrix = qr_matrix(VERIFY_URL)
    n = len(matrix)
    assert all(len(row) == n for row in matrix)
    assert (n - 2 * QUIET_ZONE - 17) % 4 == 0  # 21, 25, ... modules: version 1, 2, ...
    for i in range(QUIET_ZONE):
        assert not any(matrix[i]) and not any(matrix[n - 1 - i])
        assert not any(row[i] or row[n - 1 - i] for row in matrix)


@pytest.mark.parametrize("size_mm", [0, -1])
def test_a_size_must_be_positive(size_mm):
    with pytest.raises(ValueError):
        qr_svg("x", size_mm=size_mm)
