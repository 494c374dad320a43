"""Invariants the database itself keeps for the catalogue (asserted against real PostgreSQL)."""
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from catalog import services
from catalog.codesets import CaseType, Channel, FeeKind, MaterialSource, Requirement
from catalog.models import Edition, Item, ItemVersion, Listing, Material
from catalog.testing import make_item

pytestmark = pytest.mark.django_db


def _refused(callable_, exc=IntegrityError):
    with pytest.raises(exc), transaction.atomic():
        callable_()


def test_promised_limit_above_statutory_is_refused_by_the_database():
    item = make_item(statutory_limit=20, promised_limit=5)
    _refused(lambda: Item.objects.filter(pk=item.pk).update(promised_limit=21))
    Item.objects.filter(pk=item.pk).update(promised_limit=20)  # equal is allowed


def test_case_type_must_match_the_promised_limit():
    item = make_item()
    _refused(lambda: Item.objects.filter(pk=item.pk).update(case_type=CaseType.INSTANT))  # instant with 5 days
    _refused(lambda: Item.objects.filter(pk=item.pk).update(promised_limit=0))  # promised with 0 days
    Item.objects.filter(pk=item.pk).update(case_type=CaseType.INSTANT, promised_limit=0)


def test_fee_amount_goes_with_fixed_fees_only():
    item = make_item()
    _refused(lambda: Item.objects.filter(pk=item.pk).update(fee_kind=FeeKind.FIXED))
    _refused(lambda: Item.objects.filter(pk=item.pk).update(fee_amount=10))
    Item.objects.filter(pk=item.pk).update(fee_kind=FeeKind.FIXED, fee_amount=10)


def test_channels_and_service_objects_hold_only_standard_codes():
    item = make_item()
    _refused(lambda: Item.objects.filter(pk=item.pk).update(channels=["9"]))
    _refused(lambda: Item.objects.filter(pk=item.pk).update(channels=[]))
    _refused(lambda: Item.objects.filter(pk=item.pk).update(service_objects=["7"]))


def test_fully_online_needs_the_online_channel_and_no_visit():
    item = make_item(channels=[Channel.WINDOW])
    _refused(lambda: Item.objects.filter(pk=item.pk).update(fully_online=True, max_visits=0))
    Item.objects.filter(pk=item.pk).update(channels=[Channel.PC], fully_online=True, max_visits=0)


def test_material_rules_in_the_database():
    item = make_item(materials=[])
    _refused(lambda: Material.objects.create(item=item, name="授权委托书", requirement=Requirement.CONDITIONAL))
    _refused(lambda: Material.objects.create(item=item, name="营业执照", source=MaterialSource.SHARED, tolerable=True))
    Material.objects.create(item=item, name="申请书")
    _refused(lambda: Material.objects.create(item=item, name="申请书"))


def test_only_one_edition_is_current():
    Edition.objects.create(code="2025", title="2025年版", is_current=True)
    _refused(lambda: Edition.objects.create(code="2026", title="2026年版", is_current=True))


def test_item_versions_cannot_be_updated_or_deleted():
    item = make_item(publish=True)
    version = ItemVersion.objects.get(item=item)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        ItemVersion.objects.filter(pk=version.pk).update(snapshot={"name": "改过的"})
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM catalog_itemversion WHERE id = %s", [version.pk])
    version.refresh_from_db()
    assert version.snapshot["name"] == item.name


def test_a_listing_cannot_point_to_another_items_version():
    first = make_item(publish=True)
    second = make_item(publish=True)
    other_version = ItemVersion.objects.get(item=second)
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(item=first).update(version=other_version)
        connection.check_constraints()  # the composite key is deferred to commit; check it now


def test_withdrawn_listing_must_say_when():
    item = make_item(publish=True)
    _refused(lambda: Listing.objects.filter(item=item).update(status="withdrawn"))
    services.withdraw_item(item, reason="并入其他事项")
    assert Listing.objects.get(item=item).withdrawn_at is not None
