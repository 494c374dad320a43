"""The audit log becomes tamper-evident: a hash chain per stream, computed by the database on INSERT.

Every row of portal_auditevent gets its position in its stream (the object it is about), the previous row's hash
and its own: SHA-256 over the previous hash and the row's content, in the format of portal/auditchain.py (which
recomputes it in Python to verify). A BEFORE INSERT trigger does it, so every writer is covered without a change
(record_audit's ORM create, bulk_create, the sweeps' INSERT ... SELECT), and it sets created_at to the database's
clock, so no INSERT can back-date a row. The head of each stream (portal_auditstream) is moved on in the same
transaction, under its row lock, which keeps the writers of one stream in line; streams of different objects do
not wait for each other.

The trigger function is SECURITY DEFINER (it runs as the owner, who alone may write the heads), with every name
schema-qualified. Existing rows are chained here, per stream in (created_at, id) order.
"""
import django.db.models.functions.datetime
from django.db import migrations, models

GENESIS = "0" * 64

FUNCTIONS = """
-- One field of the hashed text: its length in UTF-8 bytes, a colon, the text, a comma; '-' for NULL.
CREATE OR REPLACE FUNCTION {schema}.portal_audit_field(value text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT CASE WHEN value IS NULL THEN '-'
                ELSE pg_catalog.octet_length(pg_catalog.convert_to(value, 'UTF8'))::text || ':' || value || ',' END
$fn$;

-- The hash of row `e` at position `seq` of its stream after a row hashed `prev`, written at `at`
-- (format onewindow-audit-1; portal/auditchain.py computes the same).
CREATE OR REPLACE FUNCTION {schema}.portal_audit_hash(e {schema}.portal_auditevent, prev text, seq bigint,
                                                      at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
    SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        {schema}.portal_audit_field('onewindow-audit-1')
        || {schema}.portal_audit_field(prev)
        || {schema}.portal_audit_field(seq::text)
        || {schema}.portal_audit_field(e.id::text)
        || {schema}.portal_audit_field((extract(epoch FROM at) * 1000000)::bigint::text)
        || {schema}.portal_audit_field(e.actor_id::text)
        || {schema}.portal_audit_field(e.actor_name)
        || {schema}.portal_audit_field(e.actor_role)
        || {schema}.portal_audit_field(e.action)
        || {schema}.portal_audit_field(e.object_type)
        || {schema}.portal_audit_field(e.object_id)
        || {schema}.portal_audit_field(e.object_repr)
        || {schema}.portal_audit_field(e.from_state)
        || {schema}.portal_audit_field(e.to_state)
        || {schema}.portal_audit_field(e.opinion)
        || {schema}.portal_audit_field(e.ip_address::text)
        || {schema}.portal_audit_field(e.data::text), 'UTF8')), 'hex')
$fn$;

-- SECURITY DEFINER: the owner alone may write the heads. Every name is schema-qualified rather than fixed with
-- SET search_path (a configuration change on every row): a session's temporary tables cannot stand in for them,
-- and the app role cannot create anything in the schema.
CREATE OR REPLACE FUNCTION {schema}.portal_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $fn$
DECLARE
    head_id bigint;
    head_seq bigint;
    head_hash text;
BEGIN
    LOOP
        -- The stream's head, locked until commit: the writers of one stream take turns here, streams of different
        -- objects do not wait for each other. A row lock, not an advisory lock: a sweep appends to thousands of
        -- streams in one transaction, more advisory locks than the server's lock table holds.
        SELECT s.id, s.last_seq, s.last_hash INTO head_id, head_seq, head_hash
          FROM {schema}.portal_auditstream s
         WHERE s.object_type = NEW.object_type AND s.object_id = NEW.object_id
           FOR NO KEY UPDATE;
        NEW.chain_seq := coalesce(head_seq, 0) + 1;
        NEW.chain_prev := coalesce(head_hash, '{genesis}');
        NEW.created_at := pg_catalog.clock_timestamp();  -- read after the lock: times never fall along a stream
        NEW.chain_hash := {schema}.portal_audit_hash(NEW, NEW.chain_prev, NEW.chain_seq, NEW.created_at);
        IF head_id IS NOT NULL THEN
            UPDATE {schema}.portal_auditstream
               SET last_seq = NEW.chain_seq, last_hash = NEW.chain_hash, last_event_id = NEW.id
             WHERE id = head_id;
            RETURN NEW;
        END IF;
        INSERT INTO {schema}.portal_auditstream (object_type, object_id, last_seq, last_hash, last_event_id)
        VALUES (NEW.object_type, NEW.object_id, NEW.chain_seq, NEW.chain_hash, NEW.id)
        ON CONFLICT (object_type, object_id) DO NOTHING;
        IF FOUND THEN
            RETURN NEW;
        END IF;
        -- Another transaction started this stream meanwhile and has committed: append after its row.
    END LOOP;
END
$fn$;

REVOKE ALL ON FUNCTION {schema}.portal_audit_chain() FROM PUBLIC;
"""

BACKFILL = """
DO $backfill$
DECLARE
    e {schema}.portal_auditevent%ROWTYPE;
    previous_type text;
    previous_id text;
    seq bigint := 0;
    previous_hash text;
BEGIN
    ALTER TABLE {schema}.portal_auditevent DISABLE TRIGGER portal_auditevent_append_only;
    FOR e IN SELECT * FROM {schema}.portal_auditevent ORDER BY object_type, object_id, created_at, id LOOP
        IF e.object_type IS DISTINCT FROM previous_type OR e.object_id IS DISTINCT FROM previous_id THEN
            previous_type := e.object_type;
            previous_id := e.object_id;
            seq := 0;
            previous_hash := '{genesis}';
        END IF;
        seq := seq + 1;
        UPDATE {schema}.portal_auditevent
           SET chain_seq = seq, chain_prev = previous_hash,
               chain_hash = {schema}.portal_audit_hash(e, previous_hash, seq, e.created_at)
         WHERE id = e.id
        RETURNING chain_hash INTO previous_hash;
    END LOOP;
    ALTER TABLE {schema}.portal_auditevent ENABLE TRIGGER portal_auditevent_append_only;
    INSERT INTO {schema}.portal_auditstream (object_type, object_id, last_seq, last_hash, last_event_id)
    SELECT DISTINCT ON (object_type, object_id) object_type, object_id, chain_seq, chain_hash, id
      FROM {schema}.portal_auditevent
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
DROP FUNCTION IF EXISTS portal_audit_hash(portal_auditevent, text, bigint, timestamptz);
DROP FUNCTION IF EXISTS portal_audit_field(text);
"""


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = schema_editor.quote_name(cursor.fetchone()[0])
        cursor.execute(FUNCTIONS.replace("{schema}", schema).replace("{genesis}", GENESIS))
        cursor.execute(BACKFILL.replace("{schema}", schema).replace("{genesis}", GENESIS))
        cursor.execute(TRIGGER)


def remove(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(REMOVE)


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_failed_attempts_throttle")]

    operations = [
        migrations.CreateModel(
            name="AuditStream",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_type", models.CharField(blank=True, max_length=64, verbose_name="对象类型")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="对象编号")),
                ("last_seq", models.BigIntegerField(verbose_name="最后链序号")),
                ("last_hash", models.CharField(max_length=64, verbose_name="最后哈希")),
                ("last_event_id", models.BigIntegerField(verbose_name="最后一条记录")),
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
