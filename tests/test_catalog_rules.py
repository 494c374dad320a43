"""Pure rules of the catalogue: search normalisation, limit cuts, bundle material merging, item codes."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import codes, rules
from catalog.testing import BODY_CODE


def test_normalise_folds_width_case_and_spaces():
    assert rules.normalise("  食品 经营\t许可 ") == "食品经营许可"
    assert rules.normalise("ＫＴＶ歌厅") == "ktv歌厅"
    assert rules.normalise("PC端") == rules.normalise("ｐｃ 端")


def test_search_terms_split_on_chinese_and_ascii_separators():
    assert rules.search_terms("食品、 餐饮，许可") == ["食品", "餐饮", "许可"]
    assert rules.search_terms("   ") == []


def test_search_text_never_matches_across_fields():
    text = rules.build_search_text("食品经营许可", "餐饮", "宝塔区市场监督管理局")
    assert "食品" in text and "市场监督" in text
    assert "许可餐饮" not in text  # the field separator breaks a match spanning two fields


@pytest.mark.parametrize(
    "statutory,promised,cut",
    [(20, 5, 75), (20, 3, 85), (45, 12, 73), (20, 14, 30), (50, 15, 70), (10, 0, 100), (20, 20, 0), (0, 0, None), (3, 1, 67)],
)
def test_limit_cut_percent_matches_domain_figures(statutory, promised, cut):
    assert rules.limit_cut_percent(statutory, promised) == cut


@given(st.integers(1, 400), st.integers(0, 400))
def test_limit_cut_percent_is_a_percentage_and_monotonic(statutory, promised):
    cut = rules.limit_cut_percent(statutory, promised)
    assert 0 <= cut <= 100
    if promised < statutory:
        assert cut >= rules.limit_cut_percent(statutory, promised + 1)


def _m(name, **kw):
    base = {"name": name, "code": "", "requirement": "required", "condition": "", "originals": 1, "copies": 0,
            "source": "applicant", "tolerable": False}
    base.update(kw)
    return base


def test_merge_asks_a_shared_material_once_and_keeps_the_strictest_terms():
    merged = rules.merge_materials(
        [
            ("公司设立登记", [_m("营业执照", code="licence", source="shared", originals=0), _m("住所使用文件", code="premises", tolerable=True)]),
            ("食品经营许可", [_m("营业执照", code="licence", source="shared", originals=0),
                             _m("经营场所使用证明", code="premises", copies=2, tolerable=False),
                             _m("授权委托书", requirement="conditional", condition="委托他人办理的")]),
            ("排水许可", [_m("授权委托书", requirement="conditional", condition="代理人办理的")]),
        ]
    )
    by_name = {m["name"]: m for m in merged}
    assert list(by_name) == ["营业执照", "住所使用文件", "授权委托书"]
    assert by_name["营业执照"]["for_items"] == ["公司设立登记", "食品经营许可"]
    assert by_name["营业执照"]["source"] == "shared"
    premises = by_name["住所使用文件"]
    assert premises["copies"] == 2 and premises["tolerable"] is False  # tolerable only if every item tolerates it
    poa = by_name["授权委托书"]
    assert poa["requirement"] == "conditional" and poa["condition"] == "委托他人办理的；代理人办理的"


def test_merge_is_required_when_any_item_requires_and_applicant_when_any_asks():
    merged = rules.merge_materials(
        [("A", [_m("身份证", requirement="conditional", condition="个人")]), ("B", [_m("身份证")])]
    )
    assert merged[0]["requirement"] == "required" and merged[0]["condition"] == ""
    merged = rules.merge_materials([("A", [_m("执照", source="shared")]), ("B", [_m("执照")])])
    assert merged[0]["source"] == "applicant"


@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.lists(st.sampled_from(["甲", "乙", "丙", "（丙）"]), max_size=4, unique=True)), max_size=5))
def test_merge_never_loses_or_duplicates_a_material(items):
    items = [(name, [_m(m) for m in materials]) for name, materials in items]
    merged = rules.merge_materials(items)
    keys = [rules.material_key(m) for m in merged]
    assert len(keys) == len(set(keys))
    wanted = {rules.material_key(m) for _name, materials in items for m in materials}
    assert set(keys) == wanted


def test_digest_is_stable_and_content_sensitive():
    a = {"name": "食品经营许可", "materials": [{"id": 1}], "limit": 3}
    assert rules.digest(a) == rules.digest(dict(reversed(list(a.items()))))
    assert rules.digest(a) != rules.digest({**a, "limit": 4})


def test_codes_accept_a_consistent_pair():
    base = codes.make_base_code("01", 105, 1)
    assert base == "010010500100"
    impl = codes.make_implementation_code(BODY_CODE, "4", base)
    assert len(impl) == 31
    assert codes.code_problems(base, impl, "01", "4") == []


@pytest.mark.parametrize(
    "base,impl,item_type,level,field,fragment",
    [
        ("0100105001", None, "01", "4", "base_code", "格式"),
        ("070010500100", None, "01", "4", "base_code", "事项类型"),
        ("010010500100", "11610602MB29541860" + "4010010500100", "01", "4", "implementation_code", "校验位"),
        ("010010500100", None, "01", "3", "implementation_code", "行使层级"),
        ("010010500100", BODY_CODE + "4010010500200", "01", "4", "implementation_code", "基本编码"),
        ("010010500100", "ABC", "01", "4", "implementation_code", "格式"),
    ],
)
def test_codes_report_each_problem(base, impl, item_type, level, field, fragment):
    impl = impl or codes.make_implementation_code(BODY_CODE, "4", base if len(base) == 12 else "010010500100")
    problems = codes.code_problems(base, impl, item_type, level)
    assert any(f == field and fragment in message for f, message in problems), problems


def test_code_pattern_is_configurable(settings):
    settings.CATALOG_BASE_CODE_PATTERN = r"^XK\d{8}$"
    settings.CATALOG_IMPLEMENTATION_CODE_PATTERN = r"^\d{6}XK\d{8}$"
    assert codes.code_problems("XK00101001", "520000XK00101001", "01", "4") == []
    assert codes.code_problems("010010500100", "520000XK00101001", "01", "4")[0][0] == "base_code"
