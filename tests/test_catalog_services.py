"""Catalogue services, and the contract the applications issue builds on: require_applicable / current_version."""
import pytest
from django.core.exceptions import ValidationError

from catalog import selectors, services
from catalog.codesets import Channel, ListingStatus
from catalog.models import FAQ, Edition, ItemVersion, Listing, Material
from catalog.services import ItemNotApplicable
from catalog.testing import make_bundle, make_item
from portal.models import AuditEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db


def test_an_unpublished_item_cannot_be_applied_for():
    item = make_item()
    assert selectors.current_version(item) is None
    with pytest.raises(ItemNotApplicable) as caught:
        services.require_applicable(item)
    assert caught.value.code == "not_published"
    assert "清单之外无审批" in caught.value.messages[0] and item.name in caught.value.messages[0]
    assert isinstance(caught.value, ValidationError)


def test_a_published_item_gives_its_immutable_version_with_materials():
    item = make_item(publish=True)
    version = services.require_applicable(item)
    assert version == selectors.current_version(item)
    assert version.item_id == item.pk and version.number == 1
    names = [m["name"] for m in version.materials]
    assert names == ["申请书", "营业执照"]
    assert [m["name"] for m in version.asked_materials] == ["申请书"]  # the shared one is never asked
    assert version.snapshot["competent_department"]["name"] == item.competent_department.name
    assert services.require_applicable(item.pk) == version  # accepts an id too


def test_a_withdrawn_item_cannot_be_applied_for_but_its_versions_stay(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    item = make_item(publish=True)
    version = services.require_applicable(item)
    services.withdraw_item(item, by=admin, reason="法律修改，事项取消")
    with pytest.raises(ItemNotApplicable):
        services.require_applicable(item)
    assert selectors.current_version(item) is None
    version.refresh_from_db()  # an application pointing here still reads the same rules
    assert version.snapshot["name"] == item.name
    audit = AuditEvent.objects.get(action="catalog_withdraw", object_id=str(item.pk))
    assert audit.actor == admin and audit.opinion == "法律修改，事项取消"


def test_withdraw_needs_a_reason_and_a_published_item():
    item = make_item(publish=True)
    with pytest.raises(ValidationError):
        services.withdraw_item(item, reason="  ")
    other = make_item()
    with pytest.raises(ValidationError):
        services.withdraw_item(other, reason="不存在")


def test_channel_must_be_allowed_by_the_version_in_force():
    item = make_item(channels=[Channel.WINDOW], publish=True)
    services.require_applicable(item, channel=Channel.WINDOW)
    with pytest.raises(ItemNotApplicable) as caught:
        services.require_applicable(item, channel=Channel.PC)
    assert caught.value.code == "channel_not_allowed"
    assert "网上办理" in caught.value.messages[0]


def test_editing_a_published_item_freezes_a_new_version_and_keeps_the_old(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    item = make_item(publish=True)
    first = services.require_applicable(item)
    item.promised_limit = 3
    services.save_item(item, by=admin)
    Material.objects.create(item=item, name="食品安全管理制度", sort_order=3)
    second = services.refresh_published_version(item, by=admin)
    assert second.number == 2 and second.promised_limit == 3
    assert [m["name"] for m in second.materials][-1] == "食品安全管理制度"
    assert services.require_applicable(item) == second
    first.refresh_from_db()
    assert first.promised_limit == 5 and len(first.materials) == 2
    # nothing changed: no new version, no new audit row
    before = AuditEvent.objects.count()
    assert services.refresh_published_version(item, by=admin) == second
    assert ItemVersion.objects.filter(item=item).count() == 2
    assert AuditEvent.objects.count() == before


def test_publishing_is_idempotent_and_audited(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    item = make_item()
    listing = services.publish_item(item, by=admin)
    assert listing.status == ListingStatus.PUBLISHED and listing.edition.is_current
    again = services.publish_item(item, by=admin)
    assert again.pk == listing.pk and ItemVersion.objects.filter(item=item).count() == 1
    assert AuditEvent.objects.filter(action="catalog_publish", object_id=str(item.pk)).count() == 1


def test_republishing_a_withdrawn_item_reopens_it():
    item = make_item(publish=True)
    services.withdraw_item(item, reason="暂停")
    listing = services.publish_item(item)
    assert listing.status == ListingStatus.PUBLISHED and listing.withdrawn_at is None
    services.require_applicable(item)


def test_an_item_without_materials_is_not_published():
    item = make_item(materials=[])
    with pytest.raises(ValidationError):
        services.publish_item(item)
    assert selectors.current_version(item) is None


def test_a_new_edition_carries_over_published_items_only():
    kept = make_item(publish=True)
    dropped = make_item(publish=True)
    services.withdraw_item(dropped, reason="取消")
    old = Edition.objects.get(is_current=True)
    new = services.start_edition("2027", "宝塔区行政许可事项清单（2027年版）")
    old.refresh_from_db()
    assert new.is_current and not old.is_current
    assert services.require_applicable(kept).number == 1
    with pytest.raises(ItemNotApplicable):
        services.require_applicable(dropped)
    assert Listing.objects.filter(edition=new).count() == 1


def test_bundle_applicable_only_when_published_and_every_item_is():
    food = make_item("食品经营许可", publish=True)
    licence = make_item("公司设立登记", publish=True)
    bundle = make_bundle([licence, food], title="我要开饭店")
    versions = services.require_applicable_bundle(bundle)
    assert [v.name for v in versions] == ["公司设立登记", "食品经营许可"]
    services.withdraw_item(food, reason="调整")
    with pytest.raises(ItemNotApplicable) as caught:
        services.require_applicable_bundle(bundle)
    assert "食品经营许可" in caught.value.messages[0]
    draft = make_bundle([licence], publish=False)
    with pytest.raises(ItemNotApplicable) as caught:
        services.require_applicable_bundle(draft)
    assert caught.value.code == "bundle_not_published"


def test_a_bundle_with_an_unpublished_item_cannot_be_published():
    item = make_item()
    with pytest.raises(ValidationError):
        make_bundle([item])


def test_search_text_follows_the_department_name():
    item = make_item("食品经营许可", keywords="餐饮、饭店", publish=True)
    assert [i.name for i in selectors.guide_items(query="饭店")] == ["食品经营许可"]
    department = item.competent_department
    department.name = "宝塔区市场监督管理局"
    services.save_department(department)
    assert [i.name for i in selectors.guide_items(query="市场监督")] == ["食品经营许可"]


def test_snapshot_contains_faqs_windows_and_rules():
    item = make_item(publish=False, tolerance_allowed=True, commitment_allowed=True, legal_review_required=True)
    FAQ.objects.create(item=item, question="要多久？", answer="3个工作日。")
    version = services.publish_item(item).version
    snap = version.snapshot
    assert snap["faqs"] == [{"question": "要多久？", "answer": "3个工作日。"}]
    assert snap["tolerance_allowed"] and snap["commitment_allowed"] and snap["legal_review_required"]
    assert snap["statutory_limit"] == 20 and snap["promised_limit"] == 5 and snap["schema"] == 1


def test_correcting_an_edition_in_the_admin_goes_through_the_service_and_is_audited(client, make_user):
    from django.urls import reverse

    edition = services.start_edition("2026", "宝塔区行政许可事项清单（2026年版）")
    admin = make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:catalog_edition_change", args=[edition.pk])
    response = client.post(url, {
        "code": "2026", "title": "宝塔区行政许可事项清单（2026年修订版）", "published_on": "2026-03-01",
        "document_number": "宝政办发〔2026〕5号",
        "listings-TOTAL_FORMS": "0", "listings-INITIAL_FORMS": "0", "listings-MIN_NUM_FORMS": "0",
        "listings-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    edition.refresh_from_db()
    assert edition.title == "宝塔区行政许可事项清单（2026年修订版）" and edition.is_current
    event = AuditEvent.objects.get(action="catalog_edition_change", object_id=str(edition.pk))
    assert event.actor_id == admin.pk
    assert event.data["changed"]["title"] == ["宝塔区行政许可事项清单（2026年版）", "宝塔区行政许可事项清单（2026年修订版）"]
    assert set(event.data["changed"]) == {"title", "published_on", "document_number"}
