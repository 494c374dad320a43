"""The catalogue search: common phrasings (开饭店, 办营业执照, 药店) find the right bundles and items, bundles first
and popular items next; the words stay in step with edits; the GIN index answers; bounded queries; the API and
the home page use the same search."""
import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from catalog import popularity, search, selectors, services
from catalog.models import Bundle, Item
from catalog.testing import make_bundle, make_department, make_item

pytestmark = pytest.mark.django_db

SEARCH_MAX_QUERIES = 8
LANDING_MAX_QUERIES = 8


# --- the words (no database) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("开饭店", ["饭店"]),
        ("我要开饭店", ["饭店"]),
        ("怎么办营业执照", ["营业执照"]),
        ("开药店", ["药店"]),
        ("食品 经营", ["食品", "经营"]),
        ("ＫＴＶ", ["ktv"]),  # full-width letters are normalised
        ("我要 办", []),
    ],
)
def test_query_words_drop_what_the_visitor_wants_to_do(query, words):
    assert search.query_words(query) == words


def test_the_query_keeps_synonyms_and_the_parts_of_a_compound():
    text = search.tsquery_text("开饭店")
    assert text.startswith("('饭店' | '餐饮'")
    assert "('营业' & '执照')" in search.tsquery_text("办营业执照")
    assert search.tsquery_text("1161") == "'1161':*"
    assert search.tsquery_text("饭店", weights="A").startswith("('饭店':A | '餐饮':A")
    assert search.tsquery_text("我要办") == ""


def test_documents_hold_the_words_and_their_parts():
    words = search.document_words("个体工商户营业执照").split()
    assert {"营业执照", "营业", "执照", "个体"} <= set(words)


@pytest.mark.parametrize("hostile", ["'", "饭店'|!(", "a:*&b", "\\", "!!!", "食品 & | 许可", "'); drop table x; --"])
def test_any_input_makes_a_valid_query(hostile):
    text = search.tsquery_text(hostile)
    with connection.cursor() as cursor:
        cursor.execute("select to_tsquery('simple', %s)::text", [text or "x"])
        assert cursor.fetchone() is not None
    assert list(selectors.guide_items(query=hostile)) == []


# --- finding -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue():
    market = make_department("宝塔区市场监督管理局", short_name="区市场监管局")
    health = make_department("宝塔区卫生健康局", short_name="区卫健局")
    licence = make_item("公司设立登记", department=market, keywords="注册公司、开公司、营业执照", certificate_name="营业执照",
                        publish=True)
    sole = make_item("个体工商户设立登记", department=market, keywords="个体户、小店", certificate_name="营业执照", publish=True)
    # Its materials include a 营业执照 (make_item's default): that must not make it an answer to 办营业执照.
    food = make_item("食品经营许可", department=market, keywords="餐饮、饭店、超市", publish=True)
    drugs = make_item("药品零售企业经营许可（单体药店）", department=market, keywords="药房、药品零售", publish=True)
    hall = make_item("公共场所卫生许可", department=health, keywords="宾馆、理发店", publish=True)
    drainage = make_item("城镇污水排入排水管网许可", keywords="排水许可、饭店排水", publish=True)
    restaurant = make_bundle([licence, food, drainage], title="我要开饭店", keywords="开饭店、开餐馆")
    pharmacy = make_bundle([licence, drugs], title="我要开药店", keywords="开药店、药房")
    hotel = make_bundle([licence, hall, food], title="我要开宾馆", summary="涉及营业执照、公共场所卫生许可和餐饮服务许可")
    return {
        "licence": licence, "sole": sole, "food": food, "drugs": drugs, "hall": hall, "drainage": drainage,
        "restaurant": restaurant, "pharmacy": pharmacy, "hotel": hotel,
    }


def item_names(query, **filters):
    return [i.name for i in selectors.guide_items(query=query, **filters)]


def bundle_titles(query):
    return [b.title for b in selectors.search_bundles(query)]


def test_kai_fandian_finds_the_restaurant_bundle_first(catalogue):
    assert bundle_titles("开饭店") == ["我要开饭店"]
    assert bundle_titles("我要开餐馆") == ["我要开饭店"]
    assert set(item_names("开饭店")) == {"食品经营许可", "城镇污水排入排水管网许可"}


def test_ban_yingye_zhizhao_finds_the_registrations_not_every_item_asking_for_one(catalogue):
    assert set(item_names("办营业执照")) == {"公司设立登记", "个体工商户设立登记"}
    # A bundle's summary mentions it too, but bundles are found by their title and keywords only.
    assert bundle_titles("办营业执照") == []


def test_yaodian_finds_the_pharmacy(catalogue):
    assert bundle_titles("药店") == ["我要开药店"]
    assert item_names("药店") == ["药品零售企业经营许可（单体药店）"]
    assert item_names("开药房") == ["药品零售企业经营许可（单体药店）"]


def test_popular_items_come_first_then_the_best_match(catalogue):
    assert item_names("营业执照")[0] == "公司设立登记"  # its keywords say 营业执照 too: ranks higher
    services.refresh_popularity({catalogue["sole"].pk: 40, catalogue["licence"].pk: 3}, {})
    assert item_names("营业执照") == ["个体工商户设立登记", "公司设立登记"]
    assert [i.name for i in selectors.popular_items(limit=2)] == ["个体工商户设立登记", "公司设立登记"]
    # A recount: what is no longer counted goes back to 0.
    services.refresh_popularity({catalogue["licence"].pk: 5}, {catalogue["hotel"].pk: 2})
    assert Item.objects.get(pk=catalogue["sole"].pk).popularity == 0
    assert Bundle.objects.get(pk=catalogue["hotel"].pk).popularity == 2
    assert item_names("营业执照")[0] == "公司设立登记"


def test_popularity_is_gathered_from_the_registered_sources(catalogue, monkeypatch):
    monkeypatch.setattr(popularity, "_sources", [lambda since: ({catalogue["hall"].pk: 7}, {catalogue["restaurant"].pk: 4})])
    popularity.refresh()
    assert Item.objects.get(pk=catalogue["hall"].pk).popularity == 7
    assert Bundle.objects.get(pk=catalogue["restaurant"].pk).popularity == 4


def test_the_applications_source_counts_submitted_applications_by_item_and_bundle():
    from applications.selectors import application_counts

    assert application_counts in popularity._sources
    items, bundles = application_counts(since=timezone.now() - timedelta(days=365))
    assert items == {} and bundles == {}


def test_fragments_and_codes_fall_back_to_the_substring_search(catalogue):
    assert set(item_names("经营许")) == {"食品经营许可", "药品零售企业经营许可（单体药店）"}
    code = catalogue["food"].implementation_code
    assert item_names(code[-9:]) == ["食品经营许可"]  # the middle of a code: substring
    assert item_names(code[:20]) != []  # its start: a prefix of the indexed word


def test_unpublished_items_and_bundles_are_not_found(catalogue):
    services.withdraw_item(catalogue["food"], reason="调整")
    assert "食品经营许可" not in item_names("饭店")
    services.set_bundle_published(catalogue["pharmacy"], False)
    assert bundle_titles("药店") == []


def test_the_words_follow_edits_of_items_departments_and_bundles(catalogue, client, make_user):
    from portal.roles import Role

    food = catalogue["food"]
    food.keywords = "奶茶店"
    services.save_item(food)
    assert item_names("奶茶店") == ["食品经营许可"]
    assert "食品经营许可" not in item_names("超市")
    department = food.competent_department
    department.name = "宝塔区市场监管综合执法局"
    services.save_department(department)
    assert "食品经营许可" in item_names("综合执法")
    bundle = catalogue["hotel"]
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(reverse("admin:catalog_bundle_change", args=[bundle.pk]), {
        "code": bundle.code, "title": bundle.title, "summary": bundle.summary, "handling": bundle.handling,
        "joint_issuance": "on", "statutory_limit": bundle.statutory_limit, "promised_limit": bundle.promised_limit,
        "sort_order": bundle.sort_order, "keywords": "开旅馆、开民宿",
        "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0", "entries-MIN_NUM_FORMS": "0", "entries-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert bundle_titles("开民宿") == ["我要开宾馆"]


def test_the_migration_backfills_existing_rows(catalogue):
    Item.objects.update(search_words="", search_extra="")
    Bundle.objects.update(search_words="", search_extra="")
    fandian = SearchQuery("'饭店'", search_type="raw", config="simple")
    assert not Item.objects.filter(search_vector=fandian).exists()
    importlib.import_module("catalog.migrations.0008_search_vector").backfill(apps, None)
    assert set(Item.objects.filter(search_vector=fandian).values_list("name", flat=True)) == {
        "食品经营许可", "城镇污水排入排水管网许可"}
    assert bundle_titles("开饭店") == ["我要开饭店"]


def test_the_gin_index_answers_the_search(catalogue):
    text = search.tsquery_text("开饭店")
    with connection.cursor() as cursor:
        cursor.execute("set local enable_seqscan = off")
        cursor.execute(
            "explain select id from catalog_item where search_vector @@ to_tsquery('simple', %s)", [text]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "item_search_vector_gin" in plan, plan


# --- pages and API -----------------------------------------------------------------------------------------------------


def hits(html):
    """The search hits in page order: bundles and items."""
    return re.findall(r'data-testid="search-hit"[^>]*>(?:\s*<span[^>]*>[^<]*</span>\s*<a[^>]*>)?([^<]+)<', html)


def test_the_guide_shows_the_bundle_first(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(SEARCH_MAX_QUERIES):
        response = client.get(reverse("catalog:index"), {"q": "开饭店"})
    html = response.content.decode()
    found = hits(html)
    assert found[0] == "我要开饭店", found
    assert "食品经营许可" in found


def test_an_empty_result_says_so_and_suggests_popular_items(client, catalogue, django_assert_max_num_queries):
    services.refresh_popularity({catalogue["licence"].pk: 9}, {})
    with django_assert_max_num_queries(SEARCH_MAX_QUERIES):
        html = client.get(reverse("catalog:index"), {"q": "火箭发射"}).content.decode()
    assert "没有找到与“火箭发射”相关的事项" in html
    suggestions = html[html.index('data-testid="popular-suggestions"'):]
    assert suggestions.index("公司设立登记") < suggestions.index("食品经营许可")


def test_the_api_uses_the_same_search(client, catalogue):
    rows = client.get("/api/catalog/items/", {"keyword": "办营业执照"}).json()["results"]
    assert {r["name"] for r in rows} == {"公司设立登记", "个体工商户设立登记"}
    rows = client.get("/api/catalog/bundles/", {"keyword": "开饭店"}).json()["results"]
    assert [r["title"] for r in rows] == ["我要开饭店"]
    assert len(client.get("/api/catalog/bundles/").json()["results"]) == 3


def test_the_home_page_offers_search_popular_items_bundles_hall_and_notices(client, catalogue, settings,
                                                                          django_assert_max_num_queries):
    settings.SERVICE_HALL = {**settings.SERVICE_HALL, "phone": "0911-2881200"}
    services.refresh_popularity({catalogue["food"].pk: 12}, {})
    with django_assert_max_num_queries(LANDING_MAX_QUERIES):
        html = client.get("/").content.decode()
    assert 'action="/guide/"' in html and 'name="q"' in html
    popular = html[html.index('data-testid="popular-items"'):]
    assert popular.index("食品经营许可") < popular.index("公司设立登记")
    assert 'data-testid="home-bundle"' in html and "我要开饭店" in html
    assert "0911-2881200" in html and settings.SERVICE_HALL["address"] in html and "办公时间" in html
    assert 'data-testid="panel-latest-notices"' in html and "暂无公示的许可决定" in html
