"""The tamper-evident audit log: chains built by the database, verified in Python, on real PostgreSQL.

Tampering is done as an attacker would: through a connection of the owner or of a superuser, which may switch the
append-only trigger off. Those rows are committed, so these tests are transactional (the database is flushed after).
"""
import threading
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.utils import InternalError, ProgrammingError
from django.utils import timezone

from portal.audit import record_system_events
from portal import auditchain, dbroles, services
from portal.models import AuditEvent, AuditStream, MaintenanceAlert
from portal.roles import Role

STREAM = "portal.maintenancealert"  # the subjects' stream type: objects no other code writes audit rows about


def new_subject():
    """A fresh object with no audit history of its own."""
    from uuid import uuid4

    return MaintenanceAlert.objects.create(code=f"t-{uuid4().hex[:12]}", message="测试", raised_at=timezone.now(),
                                           resolved_at=timezone.now())


def events_of(obj):
    rows = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(rows.order_by("chain_seq"))


def write_history(subject, count=4, actor=None):
    return [services.record_audit(actor, f"step_{n}", subject, opinion=f"第{n}步意见") for n in range(1, count + 1)]


def superuser_connection(superuser):
    return psycopg.connect(dbroles.conninfo(superuser, connection.settings_dict["NAME"]), autocommit=True)


def verify_command():
    """`manage.py verify_audit` in this process: (exit status, stdout, stderr)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


# --- the chain as every writer leaves it ------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_writer_is_chained_and_the_row_comes_back_with_the_database_values(make_user):
    clerk, subject = make_user(Role.WINDOW_CLERK), new_subject()
    first = services.record_audit(clerk, "accept", subject, opinion="材料齐全",
                                  data={"notice": {"no": "受理〔2026〕1号"}})
    # What the trigger set comes back with the INSERT.
    assert first.chain_seq == 1 and first.chain_prev == auditchain.GENESIS and len(first.chain_hash) == 64
    assert abs(first.created_at - timezone.now()) < timedelta(seconds=30)
    # bulk_create (the sweeps' system rows) and a raw INSERT ... SELECT (the timer sweep) are chained alike.
    record_system_events("lapse", STREAM, [(subject.pk, str(subject))], opinion="逾期")
    with connection.cursor() as cursor:
        cursor.execute("""INSERT INTO portal_auditevent (created_at, actor_name, actor_role, action, object_type,
                                                         object_id, object_repr, from_state, to_state, opinion, data)
                          SELECT now(), '系统', 'system', 'case_warning', %s, %s, 'x', '', '', '黄灯', '{}'::jsonb
                            FROM generate_series(1, 2)""", [STREAM, str(subject.pk)])
    rows = events_of(subject)
    assert [e.chain_seq for e in rows] == [1, 2, 3, 4]
    assert [e.chain_prev for e in rows[1:]] == [e.chain_hash for e in rows[:-1]]
    assert [e.created_at for e in rows] == sorted(e.created_at for e in rows)
    head = AuditStream.objects.get(object_type=STREAM, object_id=str(subject.pk))
    assert (head.last_seq, head.last_hash, head.last_event_id) == (4, rows[-1].chain_hash, rows[-1].pk)
    report = auditchain.verify()
    assert report.ok, [b.describe() for b in report.breaks]
    assert report.rows == AuditEvent.objects.count() and report.streams == AuditStream.objects.count()


@pytest.mark.django_db
def test_python_and_the_database_hash_rows_alike(make_user):
    """Unusual content (no object, no actor, an IPv6 address, nested JSON with numbers and escapes) hashes the same."""
    services.record_audit(None, "login_failed", data={"username": "张三\n\"x\"", "n": [1, 2.50, 1e3], "ok": None})
    services.record_audit(make_user(Role.APPLICANT), "login", None, opinion="", data={})
    with connection.cursor() as cursor:
        cursor.execute("""INSERT INTO portal_auditevent (actor_name, actor_role, action, object_type, object_id,
                                                         object_repr, from_state, to_state, opinion, ip_address, data)
                          VALUES ('', '', 'probe', '', '', '', '', '', 'ä€𝄞', '2001:db8::1',
                                  '{"b": 1, "a": {"z": []}}')""")
    report = auditchain.verify()
    assert report.ok, [b.describe() for b in report.breaks]
    # Rows about no object share one stream.
    assert [e.chain_seq for e in AuditEvent.objects.filter(object_type="", object_id="").order_by("id")] == [1, 2, 3]


@pytest.mark.django_db
def test_a_back_dated_insert_gets_the_database_time():
    subject = new_subject()
    long_ago = timezone.now() - timedelta(days=400)
    forged = AuditEvent(action="accept", object_type=STREAM, object_id=str(subject.pk), created_at=long_ago,
                        chain_seq=7, chain_prev="f" * 64, chain_hash="e" * 64)
    forged.save()
    assert forged.created_at > timezone.now() - timedelta(minutes=5)
    assert (forged.chain_seq, forged.chain_prev) == (1, auditchain.GENESIS) and forged.chain_hash != "e" * 64
    with connection.cursor() as cursor:
        cursor.execute("""INSERT INTO portal_auditevent (created_at, actor_name, actor_role, action, object_type,
                                                         object_id, object_repr, from_state, to_state, opinion, data)
                          VALUES (%s, '', '', 'backdated', %s, %s, '', '', '', '', '{}') RETURNING created_at""",
                       [long_ago, STREAM, str(subject.pk)])
        assert cursor.fetchone()[0] > timezone.now() - timedelta(minutes=5)
    assert auditchain.verify().ok


# --- what the app's own connection cannot do ---------------------------------------------------------------------


REFUSED_TO_THE_APP = {
    "truncate": "TRUNCATE portal_auditevent",
    "truncate heads": "TRUNCATE portal_auditstream",
    "update": "UPDATE portal_auditevent SET opinion = 'forged'",
    "delete": "DELETE FROM portal_auditevent",
    "rewrite a head": "UPDATE portal_auditstream SET last_seq = 0",
    "remove a head": "DELETE FROM portal_auditstream",
    "disable the chain trigger": "ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_chain",
    "disable every trigger": "ALTER TABLE portal_auditevent DISABLE TRIGGER ALL",
    "drop the append-only trigger": "DROP TRIGGER portal_auditevent_append_only ON portal_auditevent",
    "replace the trigger function": "CREATE OR REPLACE FUNCTION portal_audit_chain() RETURNS trigger "
                                    "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "add a trigger": "CREATE TRIGGER t BEFORE INSERT ON portal_auditevent "
                     "FOR EACH ROW EXECUTE FUNCTION portal_audit_chain()",
    "replica mode": "SET session_replication_role = replica",
    "become the owner": f"SET ROLE {dbroles.OWNER_ROLE}",
    "drop the table": "DROP TABLE portal_auditevent CASCADE",
}


@pytest.mark.django_db
@pytest.mark.parametrize("statement", REFUSED_TO_THE_APP.values(), ids=REFUSED_TO_THE_APP.keys())
def test_the_app_connection_is_refused(make_user, statement):
    services.record_audit(make_user(Role.APPLICANT), "login", None)
    with pytest.raises((ProgrammingError, InternalError), match="permission denied|must be owner"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(action="login").count() == 1 and auditchain.verify().ok


@pytest.mark.django_db
def test_the_app_role_is_no_superuser_and_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == dbroles.app_role() != dbroles.owner_credentials()["USER"]
        assert dbroles.role_problems(cursor) == []
        cursor.execute("SELECT privilege_type FROM information_schema.role_table_grants "
                       "WHERE grantee = current_user AND table_name = 'portal_auditevent' ORDER BY 1")
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]


@pytest.mark.django_db(transaction=True)
def test_the_owner_and_a_superuser_are_flagged_and_the_owner_meets_the_trigger(owner_connection):
    cursor = owner_connection.cursor()
    assert dbroles.role_problems(cursor)  # the owner could rewrite the log: never the app's connection
    cursor.execute("INSERT INTO portal_auditevent (actor_name, actor_role, action, object_type, object_id, "
                   "object_repr, from_state, to_state, opinion, data) "
                   "VALUES ('', '', 'probe', 'x', '1', '', '', '', '', '{}') RETURNING id")
    event_id = cursor.fetchone()[0]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        cursor.execute("UPDATE portal_auditevent SET opinion = 'forged' WHERE id = %s", [event_id])


# --- tampering by someone with more rights than the app, and verify_audit -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_verify_audit_names_a_row_changed_by_a_superuser(database_superuser):
    subject = new_subject()
    history = write_history(subject)
    assert verify_command()[0] == 0
    with superuser_connection(database_superuser) as attacker:
        attacker.execute("SET session_replication_role = replica")  # the append-only trigger stays silent
        attacker.execute("UPDATE portal_auditevent SET opinion = '同意' WHERE id = %s", [history[2].pk])
    status, _out, err = verify_command()
    assert status == 1
    assert f"记录 #{history[2].pk}，审计链 {STREAM}:{subject.pk}：内容与其哈希不符" in err
    assert auditchain.verify().total_breaks == 1


@pytest.mark.django_db(transaction=True)
def test_verify_audit_names_a_row_changed_by_the_owner_who_recomputed_its_hash(owner_connection):
    subject = new_subject()
    history = write_history(subject)
    owner_connection.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_append_only")
    owner_connection.execute("UPDATE portal_auditevent SET opinion = '同意' WHERE id = %s", [history[1].pk])
    owner_connection.execute("UPDATE portal_auditevent e "
                             "SET chain_hash = portal_audit_hash(e, e.chain_prev, e.chain_seq, e.created_at) "
                             "WHERE id = %s", [history[1].pk])
    owner_connection.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER portal_auditevent_append_only")
    report = auditchain.verify()
    # The changed row matches its new hash; the next row no longer points at it.
    assert report.total_breaks == 1 and report.first.event_id == history[2].pk
    assert f"前一条哈希与记录 #{history[1].pk}不符" in report.first.problem


@pytest.mark.django_db(transaction=True)
def test_a_row_deleted_in_the_middle_is_detected(owner_connection):
    subject, other = new_subject(), new_subject()
    history = write_history(subject, 5)
    write_history(other, 2)
    owner_connection.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_append_only")
    owner_connection.execute("DELETE FROM portal_auditevent WHERE id = %s", [history[2].pk])
    status, _out, err = verify_command()
    assert status == 1
    assert f"记录 #{history[3].pk}，审计链 {STREAM}:{subject.pk}：记录 #{history[1].pk} 之后缺少第 3 至 3 条" in err
    assert auditchain.verify().total_breaks == 1  # the other stream is whole


@pytest.mark.django_db(transaction=True)
def test_rows_deleted_at_the_end_and_whole_streams_are_detected(owner_connection):
    subject, other = new_subject(), new_subject()
    history = write_history(subject, 3)
    gone = write_history(other, 2)
    owner_connection.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_append_only")
    owner_connection.execute("DELETE FROM portal_auditevent WHERE id = %s", [history[-1].pk])
    owner_connection.execute("DELETE FROM portal_auditevent WHERE object_type = %s AND object_id = %s",
                             [STREAM, str(other.pk)])
    report = auditchain.verify()
    assert report.total_breaks == 2
    tail, whole = report.breaks  # by row id: the subject's last row came first
    assert tail.event_id == history[-1].pk and "链尾缺少第 3 至 3 条" in tail.problem
    assert whole.event_id == gone[-1].pk and "整条审计链被删除（原有 2 条记录）" in whole.problem


@pytest.mark.django_db(transaction=True)
def test_a_row_slipped_in_with_the_trigger_off_is_detected(owner_connection):
    subject = new_subject()
    history = write_history(subject, 2)
    owner_connection.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_chain")
    owner_connection.execute(
        "INSERT INTO portal_auditevent (created_at, actor_name, actor_role, action, object_type, object_id, "
        "object_repr, from_state, to_state, opinion, data, chain_seq, chain_prev, chain_hash) "
        "VALUES (now() - interval '1 year', '', '', 'forged', %s, %s, '', '', '', '', '{}', 3, %s, %s) RETURNING id",
        [STREAM, str(subject.pk), history[-1].chain_hash, "a" * 64])
    report = auditchain.verify()
    assert not report.ok and report.first.event_id > history[-1].pk


# --- the daily check: alert and e-mail --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_daily_check_alerts_administrators_and_resolves_once_repaired(make_user, database_superuser):
    make_user(Role.ADMINISTRATOR, email="admin@example.gov.cn")
    subject = new_subject()
    history = write_history(subject, 3)
    assert services.check_audit_chain() is None

    with superuser_connection(database_superuser) as attacker:
        attacker.execute("SET session_replication_role = replica")
        attacker.execute("UPDATE portal_auditevent SET actor_name = '别人' WHERE id = %s", [history[0].pk])
    from portal.tasks import verify_audit_chain

    assert verify_audit_chain() == services.AUDIT_ALERT_CODE
    alert = MaintenanceAlert.objects.get(code=services.AUDIT_ALERT_CODE, resolved_at__isnull=True)
    assert f"记录 #{history[0].pk}" in alert.message
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@example.gov.cn"]
    assert services.check_audit_chain() == alert and len(mail.outbox) == 1  # the same break is not mailed again

    with superuser_connection(database_superuser) as restorer:  # restored from the backup
        restorer.execute("SET session_replication_role = replica")
        restorer.execute("UPDATE portal_auditevent SET actor_name = %s WHERE id = %s",
                         [history[0].actor_name, history[0].pk])
    assert services.check_audit_chain() is None
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_the_check_runs_daily_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-chain-verify"]
    assert entry["task"] == "portal.tasks.verify_audit_chain"
    assert entry["schedule"].hour == {2}


# --- streams under concurrent writers, and the migration of existing rows -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_one_stream_queue_up_without_forking():
    subject = new_subject()
    start = threading.Barrier(4)
    errors = []

    def writer(n):
        try:
            start.wait(10)
            for i in range(5):
                with transaction.atomic():
                    services.record_audit(None, f"w{n}_{i}", subject)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert [e.chain_seq for e in events_of(subject)] == list(range(1, 21))
    assert auditchain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_existing_rows():
    subject = new_subject()
    write_history(subject, 3)
    services.record_audit(None, "login_failed")
    call_command("migrate", "portal", "0005", verbosity=0)  # the log before chains: the columns go
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM portal_auditevent")
            assert cursor.fetchone()[0] == 4
            # An old row written at the same instant as another; and one out of id order.
            cursor.execute("INSERT INTO portal_auditevent (created_at, actor_name, actor_role, action, object_type, "
                           "object_id, object_repr, from_state, to_state, opinion, data) "
                           "SELECT created_at - interval '1 day', '', '', 'older', object_type, object_id, '', '', '', "
                           "'', '{}' FROM portal_auditevent WHERE action = 'step_2'")
    finally:
        # Every app: going back to portal 0005 also took back what depends on its later migrations (the
        # dashboards' roll-ups, portal 0008).
        call_command("migrate", verbosity=0)
    rows = events_of(subject)
    assert [e.action for e in rows] == ["older", "step_1", "step_2", "step_3"]
    assert [e.chain_seq for e in rows] == [1, 2, 3, 4]
    assert auditchain.verify().ok
    # Chained again from here on, and the app role is back to INSERT and SELECT on the new columns' table.
    services.record_audit(None, "step_4", subject)
    assert [e.chain_seq for e in events_of(subject)][-1] == 5 and auditchain.verify().ok
    with connection.cursor() as cursor:
        assert dbroles.role_problems(cursor) == []
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            cursor.execute("DELETE FROM portal_auditstream")
