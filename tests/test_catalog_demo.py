"""The demo catalogue: realistic, complete enough for the other issues, idempotent."""
import pytest
from django.apps import apps
from django.db.models import Count

from catalog import codes, selectors, services
from catalog.models import Bundle, Department, Item, ItemVersion, Material, Section
from catalog.rules import limit_cut_percent
from portal import demo as portal_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture
def loaded(settings, demo_media):
    settings.MEDIA_ROOT = demo_media
    portal_demo.load()
    summary = apps.get_app_config("catalog").load_demo()
    return summary


def test_demo_catalogue_is_large_and_published(loaded):
    published = selectors.published_items()
    assert published.count() >= 60
    assert published.values("competent_department").distinct().count() >= 12
    assert Section.objects.count() >= 5
    assert "items across" in loaded
    for name in (
        "食品经营许可", "公共场所卫生许可", "建设用地规划许可证核发", "建设工程规划许可证核发", "建筑工程施工许可证核发",
        "企业投资项目核准", "企业投资项目备案", "非煤矿矿山企业安全生产许可", "建设工程消防设计审查", "建设工程消防验收",
        "民办职业培训学校设立、分立、合并、变更及终止审批", "建设项目环境影响报告书审批", "建设项目环境影响报告表审批",
        "公司设立登记", "道路货物运输经营许可", "医疗机构执业登记", "药品零售企业经营许可（单体药店）", "校车使用许可",
        "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
    ):
        services.require_applicable(Item.objects.get(name=name))


def test_demo_figures_follow_the_domain(loaded):
    def limits(name):
        item = Item.objects.get(name=name)
        return item.statutory_limit, item.promised_limit

    assert limits("企业投资项目核准") == (20, 5)
    assert limits("建设用地规划许可证核发") == (20, 3)
    assert limits("非煤矿矿山企业安全生产许可") == (45, 12)
    assert limits("建设工程消防设计审查") == (20, 14)
    three = Bundle.objects.get(code="san-zheng-tong-fa")
    entries = list(three.entries.select_related("item"))
    assert sum(e.item.statutory_limit for e in entries) == 50 and three.promised_limit == 15
    assert three.joint_issuance


def test_demo_variety_of_rules(loaded):
    items = Item.objects.all()
    assert items.filter(tolerance_allowed=True).count() >= 5
    assert items.filter(commitment_allowed=True).count() >= 5
    assert items.filter(case_type="1").count() >= 3
    assert items.filter(legal_review_required=True).exists() and items.filter(inspection_required=True).exists()
    assert Material.objects.filter(tolerable=True).exists() and Material.objects.filter(source="shared").exists()
    assert not items.annotate(n=Count("materials")).filter(n=0).exists()
    assert all(limit_cut_percent(i.statutory_limit, i.promised_limit) is not None for i in items)
    for item in items:
        assert codes.code_problems(item.base_code, item.implementation_code, item.item_type, item.level) == [], item.name
    assert Bundle.objects.filter(published=True).count() >= 4
    assert Bundle.objects.filter(title="我要开饭店", published=True).exists()
    food_form = Material.objects.get(item__name="食品经营许可", name="食品经营许可申请书")
    assert food_form.blank_form and food_form.sample
    assert food_form.blank_form.open("rb").read(5) == b"%PDF-"


def test_demo_users_are_attached(loaded):
    food = Item.objects.select_related("section").get(name="食品经营许可")
    assert food.section.head.username == "sectionhead"
    assert set(food.section.members.values_list("username", flat=True)) >= {"officer", "sectionhead"}
    market = Department.objects.get(name="宝塔区市场监督管理局")
    assert food.supervising_department == market
    assert market.members.filter(username="dept").exists()


def test_demo_is_idempotent(loaded):
    counts = (Item.objects.count(), Material.objects.count(), ItemVersion.objects.count(), Bundle.objects.count())
    apps.get_app_config("catalog").load_demo()
    assert (Item.objects.count(), Material.objects.count(), ItemVersion.objects.count(), Bundle.objects.count()) == counts


def test_demo_skips_missing_users(settings, demo_media):
    settings.MEDIA_ROOT = demo_media
    from catalog import demo

    summary = demo.load(with_forms=False)
    assert "users attached: none" in summary
