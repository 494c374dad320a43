"""Item versions are immutable in the database, and a listing's version belongs to the listing's item.

- UPDATE and DELETE on catalog_itemversion raise an error: an application points to the version it was made
  under, so the rules it shows can never change behind it. (TRUNCATE stays possible for the database owner,
  as for the audit log; the application never issues one.)
- A composite foreign key (version_id, item_id) -> catalog_itemversion (id, item_id) makes it impossible for
  a listing to publish another item's version.
"""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION catalog_itemversion_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'item versions are immutable: % refused on catalog_itemversion', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_itemversion_immutable
    BEFORE UPDATE OR DELETE ON catalog_itemversion
    FOR EACH ROW EXECUTE FUNCTION catalog_itemversion_refuse_change();

ALTER TABLE catalog_listing
    ADD CONSTRAINT catalog_listing_version_of_item
    FOREIGN KEY (version_id, item_id) REFERENCES catalog_itemversion (id, item_id)
    DEFERRABLE INITIALLY DEFERRED;
"""

BACKWARD = """
ALTER TABLE catalog_listing DROP CONSTRAINT IF EXISTS catalog_listing_version_of_item;
DROP TRIGGER IF EXISTS catalog_itemversion_immutable ON catalog_itemversion;
DROP FUNCTION IF EXISTS catalog_itemversion_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_items_materials_bundles_editions")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
