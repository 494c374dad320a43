"""The public service guide: no sign-in, search, item and bundle pages, downloads, PDFs, bounded queries."""
import re
import subprocess

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse

from catalog import services
from catalog.codesets import Channel, MaterialSource
from catalog.models import FAQ, Material, Theme, Window
from catalog.testing import make_bundle, make_department, make_item

pytestmark = pytest.mark.django_db

INDEX_MAX_QUERIES = 6
ITEM_MAX_QUERIES = 8


@pytest.fixture(autouse=True)
def media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def food():
    market = make_department("宝塔区市场监督管理局", short_name="区市场监管局")
    item = make_item(
        "食品经营许可", department=market, keywords="餐饮、饭店", statutory_limit=10, promised_limit=3,
        legal_basis="《中华人民共和国食品安全法》第三十五条", tolerance_allowed=True, commitment_allowed=True,
        materials=[
            {"name": "食品经营许可申请书", "tolerable": False},
            {"name": "营业执照", "source": MaterialSource.SHARED, "originals": 0, "shared_from": "区市场监管局"},
            {"name": "经营场所使用证明", "tolerable": True},
        ],
    )
    form = Material.objects.get(item=item, name="食品经营许可申请书")
    form.blank_form.save("申请书.pdf", ContentFile(b"%PDF-1.4\n% blank form\n"), save=True)
    FAQ.objects.create(item=item, question="仅销售预包装食品需要办许可吗？", answer="不需要，办理备案即可。")
    item.windows.add(Window.objects.create(code="A01", name="综合受理窗口", location="政务服务中心一楼A区1号"))
    services.publish_item(item)
    return item


def test_index_needs_no_sign_in_and_lists_published_items_only(client, food):
    hidden = make_item("未发布的事项")
    response = client.get(reverse("catalog:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "食品经营许可" in page and hidden.name not in page


def test_search_by_chinese_substring_of_name_department_or_keyword(client, food):
    make_item("公共场所卫生许可", publish=True)
    for query in ("食品", "经营许", "市场监督", "饭店", "  食品 许可 "):
        page = client.get(reverse("catalog:index"), {"q": query}).content.decode()
        assert "食品经营许可" in page, query
        assert "公共场所卫生许可" not in page, query
    page = client.get(reverse("catalog:index"), {"q": "不存在的事项"}).content.decode()
    assert "没有找到" in page


def test_filters_department_theme_audience_online(client, food):
    theme = Theme.objects.create(code="canyin", name="餐饮住宿")
    food.themes.add(theme)
    online = make_item("教师资格认定", publish=True, service_objects=["1"], channels=[Channel.PC], fully_online=True, max_visits=0)
    enterprise = make_item("劳务派遣经营许可", publish=True, service_objects=["2"])

    def names(**params):
        page = client.get(reverse("catalog:index"), params).content.decode()
        return set(re.findall(r'class="item-name" href="[^"]+">([^<]+)<', page))

    assert names(department=food.competent_department_id) == {"食品经营许可"}
    assert names(theme="canyin") == {"食品经营许可"}
    assert names(audience="person") == {"食品经营许可", "教师资格认定"}
    assert names(audience="enterprise") == {"食品经营许可", "劳务派遣经营许可"}
    assert names(online="on") == {online.name}
    assert enterprise.name in names()


def test_index_is_paginated_and_bounded_in_queries(client, django_assert_max_num_queries, food):
    department = make_department()
    for n in range(25):
        make_item(f"批量事项{n:02d}", department=department, publish=True)
    make_bundle([food], title="我要开饭店")
    with django_assert_max_num_queries(INDEX_MAX_QUERIES):
        first = client.get(reverse("catalog:index"))
    assert first.context["page"].paginator.count == 26
    assert len(first.context["page"].object_list) == 20
    assert "我要开饭店" in first.content.decode()
    with django_assert_max_num_queries(INDEX_MAX_QUERIES):
        second = client.get(reverse("catalog:index"), {"q": "批量", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_htmx_search_returns_only_the_results(client, food):
    response = client.get(reverse("catalog:index"), {"q": "食品"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="guide-results")
    page = response.content.decode()
    assert "食品经营许可" in page and "<html" not in page


def test_item_page_shows_the_guide(client, django_assert_max_num_queries, food):
    bundle = make_bundle([food], title="我要开饭店")
    with django_assert_max_num_queries(ITEM_MAX_QUERIES):
        response = client.get(reverse("catalog:item", args=[food.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-testid="statutory-limit">10 个工作日<', page)
    assert re.search(r'data-testid="promised-limit">3 个工作日<', page)
    assert 'data-testid="limit-cut">70%<' in page
    for text in ("《中华人民共和国食品安全法》第三十五条", "免提交", "可容缺", "仅销售预包装食品需要办许可吗？",
                 "综合受理窗口", "不收费", "网上办理", bundle.title, "告知承诺"):
        assert text in page, text
    assert f'href="/apply/item/{food.pk}/"' in page
    assert reverse("catalog:item_pdf", args=[food.pk]) in page


def test_no_apply_button_when_online_applying_is_not_allowed(client):
    item = make_item("乡村医生执业注册", channels=[Channel.WINDOW], publish=True)
    page = client.get(reverse("catalog:item", args=[item.pk])).content.decode()
    assert "/apply/item/" not in page


def test_unpublished_and_withdrawn_items_are_not_shown_to_the_public(client, food):
    draft = make_item("草稿事项")
    assert client.get(reverse("catalog:item", args=[draft.pk])).status_code == 404
    services.withdraw_item(food, reason="调整")
    assert client.get(reverse("catalog:item", args=[food.pk])).status_code == 404
    assert client.get(reverse("catalog:item_pdf", args=[food.pk])).status_code == 404


def test_catalogue_maintainers_preview_unpublished_items(client, make_user):
    from portal.roles import Role

    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    draft = make_item("草稿事项")
    client.force_login(admin)
    page = client.get(reverse("catalog:item", args=[draft.pk])).content.decode()
    assert "预览" in page and "/apply/item/" not in page


def test_blank_form_downloads_through_the_view(client, food):
    material = Material.objects.get(item=food, name="食品经营许可申请书")
    response = client.get(reverse("catalog:material_file", args=[material.pk, "form"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert "%E7%A9%BA%E7%99%BD%E8%A1%A8%E6%A0%BC" in response["Content-Disposition"]  # 空白表格
    assert client.get(reverse("catalog:material_file", args=[material.pk, "sample"])).status_code == 404
    assert client.get(reverse("catalog:material_file", args=[material.pk, "other"])).status_code == 404
    services.withdraw_item(food, reason="调整")
    assert client.get(reverse("catalog:material_file", args=[material.pk, "form"])).status_code == 404


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "guide.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_printable_guide_pdf(client, food, tmp_path):
    response = client.get(reverse("catalog:item_pdf", args=[food.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content, tmp_path)
    for fragment in ("食品经营许可", "法定办结时限", "70%", "食品经营许可申请书", "免提交"):
        assert fragment in text, fragment
    fonts = subprocess.run(["pdffonts", str(tmp_path / "guide.pdf")], capture_output=True, text=True).stdout
    assert "OneWindow-Hei-Common" in fonts or "WenQuanYi" in fonts


def test_bundle_page_merges_materials(client, food):
    licence = make_item(
        "公司设立登记", publish=True, statutory_limit=3, promised_limit=1,
        materials=[{"name": "公司登记申请书"}, {"name": "营业执照", "source": MaterialSource.SHARED, "originals": 0}],
    )
    bundle = make_bundle([licence, food], title="我要开饭店", promised_limit=5)
    response = client.get(reverse("catalog:bundle", args=[bundle.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="bundle-item"') == 2
    assert page.count('data-testid="bundle-material"') == 4  # 营业执照 asked once
    assert "公司设立登记、食品经营许可" in page
    assert f'href="/apply/bundle/{bundle.pk}/"' in page
    pdf = client.get(reverse("catalog:bundle_pdf", args=[bundle.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_unpublished_bundle_is_hidden(client, food):
    bundle = make_bundle([food], publish=False)
    assert client.get(reverse("catalog:bundle", args=[bundle.pk])).status_code == 404


def test_guide_is_in_the_public_navigation(client, food):
    page = client.get("/").content.decode()
    assert 'href="/guide/"' in page
