"""The audit log becomes tamper-evident: a hash chain per stream, computed by the database on INSERT.

Every row of portal_auditevent gets its position in its stream (the object it is about), the previous row's hash
and its own: SHA-256 over the previous hash and the row's content, in the format of portal/auditchain.py (which
recomputes it in Python to verify). A BEFORE INSERT trigger does it, so every writer is covered without a change
(record_audit's ORM create, bulk_create, the sweeps' INSERT ... SELECT), and it sets created_at to the database's
clock, so no INSERT can back-date a row. The head of each stream (portal_auditstream) is kept in the same
transaction, under a row lock that keeps the writers of one stream in line; streams of different objects do not
wait for each other.

The trigger function is SECURITY DEFINER (it runs as the owner, who alone may write the heads) with a fixed
search_path that puts pg_temp last, so a session's temporary table cannot stand in for the heads. Existing rows
are chained here, per stream in (created_at, id) order.
"""
import django.db.models.functions.datetime
from django.db import migrations, models

GENESIS = "0" * 64

FUNCTIONS = """
-- One field of the hashed text: its length in UTF-8 bytes, a colon, the text, a comma; '-' for NULL.
CREATE OR REPLACE FUNCTION portal_audit_field(value text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT CASE WHEN value IS NULL THEN '-'
                ELSE octet_length(convert_to(value, 'UTF8'))::text || ':' || value || ',' END
$fn$;

-- The hash of one row, with its chain_prev and chain_seq already set (format onewindow-audit-1).
CREATE OR REPLACE FUNCTION portal_audit_hash(e portal_auditevent) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT encode(sha256(convert_to(
        portal_audit_field('onewindow-audit-1')
        || portal_audit_field(e.chain_prev)
        || portal_audit_field(e.chain_seq::text)
        || portal_audit_field(e.id::text)
        || portal_audit_field((extract(epoch FROM e.created_at) * 1000000)::bigint::text)
        || portal_audit_field(e.actor_id::text)
        || portal_audit_field(e.actor_name)
        || portal_audit_field(e.actor_role)
        || portal_audit_field(e.action)
        || portal_audit_field(e.object_type)
        || portal_audit_field(e.object_id)
        || portal_audit_field(e.object_repr)
        || portal_audit_field(e.from_state)
        || portal_audit_field(e.to_state)
        || portal_audit_field(e.opinion)
        || portal_audit_field(e.ip_address::text)
        || portal_audit_field(e.data::text), 'UTF8')), 'hex')
$fn$;

CREATE OR REPLACE FUNCTION portal_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $fn$
DECLARE
    head portal_auditstream%ROWTYPE;
BEGIN
    -- Take the stream's head (created at its first row) and its lock until commit, moving it one position on.
    INSERT INTO portal_auditstream AS s (object_type, object_id, last_seq, last_hash, last_event_id)
    VALUES (NEW.object_type, NEW.object_id, 1, '{genesis}', NULL)
    ON CONFLICT (object_type, object_id) DO UPDATE SET last_seq = s.last_seq + 1
    RETURNING * INTO head;
    NEW.chain_seq := head.last_seq;
    NEW.chain_prev := head.last_hash;
    NEW.created_at := clock_timestamp();  -- after the lock: times rise along a stream, whatever the INSERT said
    NEW.chain_hash := portal_audit_hash(NEW);
    UPDATE portal_auditstream SET last_hash = NEW.chain_hash, last_event_id = NEW.id WHERE id = head.id;
    RETURN NEW;
END
$fn$;

REVOKE ALL ON FUNCTION portal_audit_chain() FROM PUBLIC;
"""

BACKFILL = """
DO $backfill$
DECLARE
    e portal_auditevent%ROWTYPE;
    previous_type text;
    previous_id text;
    seq bigint := 0;
    previous_hash text;
BEGIN
    ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_append_only;
    FOR e IN SELECT * FROM portal_auditevent ORDER BY object_type, object_id, created_at, id LOOP
        IF e.object_type IS DISTINCT FROM previous_type OR e.object_id IS DISTINCT FROM previous_id THEN
            previous_type := e.object_type;
            previous_id := e.object_id;
            seq := 0;
            previous_hash := '{genesis}';
        END IF;
        seq := seq + 1;
        e.chain_seq := seq;
        e.chain_prev := previous_hash;
        e.chain_hash := portal_audit_hash(e);
        UPDATE portal_auditevent
           SET chain_seq = e.chain_seq, chain_prev = e.chain_prev, chain_hash = e.chain_hash
         WHERE id = e.id;
        previous_hash := e.chain_hash;
    END LOOP;
    ALTER TABLE portal_auditevent ENABLE TRIGGER portal_auditevent_append_only;
    INSERT INTO portal_auditstream (object_type, object_id, last_seq, last_hash, last_event_id)
    SELECT DISTINCT ON (object_type, object_id) object_type, object_id, chain_seq, chain_hash, id
      FROM portal_auditevent
     ORDER BY object_type, object_id, chain_seq DESC;
END
$backfill$;
"""

TRIGGER = """
CREATE TRIGGER portal_auditevent_chain
    BEFORE INSERT ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_audit_chain();
"""

REMOVE = """
DROP TRIGGER IF EXISTS portal_auditevent_chain ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_audit_chain();
DROP FUNCTION IF EXISTS portal_audit_hash(portal_auditevent);
DROP FUNCTION IF EXISTS portal_audit_field(text);
"""


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = schema_editor.quote_name(cursor.fetchone()[0])
        cursor.execute(FUNCTIONS.replace("{schema}", schema).replace("{genesis}", GENESIS))
        cursor.execute(BACKFILL.replace("{genesis}", GENESIS))
        cursor.execute(TRIGGER)


def remove(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(REMOVE)


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_notifications")]

    operations = [
        migrations.CreateModel(
            name="AuditStream",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_type", models.CharField(blank=True, max_length=64, verbose_name="对象类型")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="对象编号")),
                ("last_seq", models.BigIntegerField(verbose_name="最后链序号")),
                ("last_hash", models.CharField(max_length=64, verbose_name="最后哈希")),
                ("last_event_id", models.BigIntegerField(null=True, verbose_name="最后一条记录")),
            ],
            options={
                "verbose_name": "审计链",
                "verbose_name_plural": "审计链",
                "constraints": [
                    models.UniqueConstraint(fields=("object_type", "object_id"), name="audit_stream_key"),
                ],
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(db_default=0, editable=False, verbose_name="链序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_prev",
            field=models.CharField(db_default="", editable=False, max_length=64, verbose_name="前一条哈希"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_hash",
            field=models.CharField(db_default="", editable=False, max_length=64, verbose_name="本条哈希"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(), db_index=True, editable=False,
                verbose_name="时间",
            ),
        ),
        migrations.RunPython(install, remove),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("object_type", "object_id", "chain_seq"), name="audit_chain_position"
            ),
        ),
    ]
