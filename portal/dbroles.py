"""Two database roles: the owner of the schema, and the application's role, which owns nothing.

The portal's processes (web, Celery worker and beat) connect as the app role, DATABASE_URL. It may read and write
the data, but it owns no table, so it cannot TRUNCATE, ALTER a table, disable a trigger or drop anything; it is no
superuser, so it cannot set session_replication_role to switch triggers off; and on the audit log it may only
INSERT and SELECT (the chain heads it may only read). The owner, DATABASE_OWNER_URL, owns every table: `migrate`
and `flush` switch the connection to it (portal/management/commands), and after migrating it grants the app role
its privileges (grant_app_privileges). Default privileges grant the app role the same on the tables and sequences
that later migrations create, even when they are applied some other way.

Where the project administers the server itself (the local or embedded PostgreSQL of `make run`, and the tests),
a superuser creates both roles (ensure_roles) without passwords, relying on that server's local trust
authentication; a real deployment creates them with passwords (deploy/postgres/init-roles.sql).

No Django import at module level: scripts/services.py loads this file by path, before Django is configured.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

OWNER_ROLE = "onewindow_owner"
APP_ROLE = "onewindow_app"

# The audit log is append-only for the app role; the heads of its chains are written only by the chain trigger
# (SECURITY DEFINER, owned by the owner) and the migration history only by `migrate`.
APPEND_ONLY_TABLES = ("portal_auditevent",)
READ_ONLY_TABLES = ("portal_auditstream", "django_migrations")

# The parts of a Django DATABASES entry that say who connects and where; NAME stays (the tests rename it).
CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT")

DATA_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT"


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, quoted (role and schema names come from configuration)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- Roles, as a superuser or a role with CREATEROLE --------------------------------------------------------------


# pg_advisory_lock key serialising ensure_roles (any constant bigint; this is "onewindow" read as hex-ish digits).
ROLES_LOCK_KEY = 0x0E_71D0_0501


def role_statements(owner: str, app: str, *, owner_creates_databases: bool = False) -> list[str]:
    """ALTER ROLE statements that put both roles' attributes right, whatever they were before."""
    createdb = "CREATEDB" if owner_creates_databases else "NOCREATEDB"
    return [
        f"ALTER ROLE {quote_ident(owner)} LOGIN NOSUPERUSER NOCREATEROLE {createdb} NOREPLICATION NOBYPASSRLS",
        # NOINHERIT: should someone ever grant it membership of a powerful role, it still does not act as one.
        f"ALTER ROLE {quote_ident(app)} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS NOINHERIT",
    ]


def ensure_roles(conninfo: str, owner: str = OWNER_ROLE, app: str = APP_ROLE, *,
                 owner_creates_databases: bool = False, passwords: dict[str, str] | None = None) -> None:
    """Create the owner and app login roles if missing and set their attributes; idempotent.

    `conninfo` is a libpq URL of a role that may create roles (on a local server, the superuser). Several
    processes may run this at once (the test workers of one run, two engineers' runs on one server): they take
    turns on a server-wide advisory lock, because two concurrent ALTER ROLE of one role fail with "tuple
    concurrently updated". `owner_creates_databases` lets the owner create the test databases (local servers only).
    """
    import psycopg
    from psycopg import errors

    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        # Released when the connection closes. (Advisory locks are per database: every caller connects to the
        # same maintenance database, `conninfo` names it.)
        conn.execute("SELECT pg_advisory_lock(%s)", [ROLES_LOCK_KEY])
        for role in (owner, app):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone() is None:
                try:
                    conn.execute(f"CREATE ROLE {quote_ident(role)}")
                except (errors.DuplicateObject, errors.UniqueViolation):
                    pass  # created by a concurrent run
        for statement in role_statements(owner, app, owner_creates_databases=owner_creates_databases):
            conn.execute(statement)
        for role, password in (passwords or {}).items():
            conn.execute(f"ALTER ROLE {quote_ident(role)} PASSWORD {quote_literal(password)}")
        # The app role must not be able to become the owner.
        if conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app, owner]).fetchone()[0]:
            conn.execute(f"REVOKE {quote_ident(owner)} FROM {quote_ident(app)}")


def ensure_owned_database(server_conninfo: str, database_conninfo: str, name: str, owner: str = OWNER_ROLE) -> None:
    """Create database `name` owned by `owner`, or hand an existing one, and every object in it, to `owner`.

    A database made before the two roles existed (everything owned by the superuser) is adopted, so `migrate`
    can go on as the owner. Needs a superuser; quick when there is nothing to change.
    """
    import psycopg

    with psycopg.connect(server_conninfo, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]).fetchone()
        if row is None:
            conn.execute(f"CREATE DATABASE {quote_ident(name)} OWNER {quote_ident(owner)}")
        elif row[0] != owner:
            conn.execute(f"ALTER DATABASE {quote_ident(name)} OWNER TO {quote_ident(owner)}")
    with psycopg.connect(database_conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(ADOPT_SQL.replace("__OWNER__", quote_literal(owner)))


# Objects of the current schema that the owner does not own yet: tables (their indexes, triggers and identity
# sequences go with them), views, free-standing sequences, functions. Run by a superuser.
ADOPT_SQL = """
DO $adopt$
DECLARE
    new_owner text := __OWNER__;
    target record;
BEGIN
    -- (From PostgreSQL 15 the public schema belongs to whoever owns the database: nothing to do then.)
    IF (SELECT nspowner NOT IN (new_owner::regrole, coalesce(to_regrole('pg_database_owner'), 0))
          FROM pg_namespace WHERE nspname = current_schema()) THEN
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', current_schema(), new_owner);
    END IF;
    FOR target IN
        SELECT c.oid::regclass AS name,
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                              WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
          FROM pg_class c
         WHERE c.relnamespace = current_schema()::regnamespace
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
           AND c.relowner <> new_owner::regrole
           AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
                                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                   AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', target.kind, target.name, new_owner);
    END LOOP;
    FOR target IN
        SELECT p.oid::regprocedure AS name, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind
          FROM pg_proc p
         WHERE p.pronamespace = current_schema()::regnamespace
           AND p.proowner <> new_owner::regrole
           AND p.prokind IN ('f', 'p')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', target.kind, target.name, new_owner);
    END LOOP;
END
$adopt$;
"""


# --- Privileges of the app role, as the owner ----------------------------------------------------------------------


def grant_statements(app: str, schema: str, database: str, existing_tables: set[str]) -> list[str]:
    """What the owner runs so the app role can do its work and no more (idempotent).

    Data privileges on every table and the sequences, then the append-only and read-only exceptions; the same
    for tables created later, through default privileges of the owner (the role running this).
    """
    role, space = quote_ident(app), quote_ident(schema)
    statements = [
        f"GRANT CONNECT ON DATABASE {quote_ident(database)} TO {role}",
        f"GRANT USAGE ON SCHEMA {space} TO {role}",
        f"GRANT {DATA_PRIVILEGES} ON ALL TABLES IN SCHEMA {space} TO {role}",
        f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {space} TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {space} GRANT {DATA_PRIVILEGES} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {space} GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {role}",
    ]
    for table, kept in [(t, "SELECT, INSERT") for t in APPEND_ONLY_TABLES] + [(t, "SELECT") for t in READ_ONLY_TABLES]:
        if table not in existing_tables:
            continue  # before the migration that creates it
        name = f"{space}.{quote_ident(table)}"
        statements += [f"REVOKE ALL ON {name} FROM PUBLIC, {role}", f"GRANT {kept} ON {name} TO {role}"]
    return statements


def grant_app_privileges(cursor, app: str) -> list[str]:
    """Run grant_statements on `cursor` (a DB-API cursor connected as the owner); returns what was run."""
    cursor.execute("SELECT current_schema(), current_database()")
    schema, database = cursor.fetchone()
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
    existing = {row[0] for row in cursor.fetchall()}
    statements = grant_statements(app, schema, database, existing)
    for statement in statements:
        cursor.execute(statement)
    return statements


# --- What a role could do to the audit log: checked by the tests and by `manage.py verify_audit` -------------------


ROLE_PROBLEMS_SQL = """
SELECT r.rolsuper, r.rolbypassrls, r.rolreplication, r.rolcreaterole, r.rolcreatedb,
       (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relnamespace = current_schema()::regnamespace),
       has_table_privilege(r.oid, 'portal_auditevent', 'UPDATE'),
       has_table_privilege(r.oid, 'portal_auditevent', 'DELETE'),
       has_table_privilege(r.oid, 'portal_auditevent', 'TRUNCATE'),
       has_table_privilege(r.oid, 'portal_auditevent', 'TRIGGER'),
       pg_has_role(r.oid, (SELECT relowner FROM pg_class WHERE oid = 'portal_auditevent'::regclass), 'USAGE')
  FROM pg_roles r
 WHERE r.rolname = current_user
"""


def role_problems(cursor) -> list[str]:
    """Why the role of `cursor` could rewrite the audit log (empty: it cannot)."""
    cursor.execute(ROLE_PROBLEMS_SQL)
    (superuser, bypassrls, replication, createrole, createdb, owned, update, delete, truncate, trigger,
     acts_as_owner) = cursor.fetchone()
    checks = [
        (superuser, "is a superuser"),
        (bypassrls, "has BYPASSRLS"),
        (replication, "has REPLICATION"),
        (createrole, "has CREATEROLE"),
        (owned, f"owns {owned} relation(s) of the schema"),
        (update or delete or truncate, "may UPDATE, DELETE or TRUNCATE portal_auditevent"),
        (trigger, "may create triggers on portal_auditevent"),
        (acts_as_owner, "acts as the owner of portal_auditevent"),
    ]
    return [text for failed, text in checks if failed]


# --- Django connections: switching an alias between the two roles ------------------------------------------------


def credentials(settings_dict: dict) -> dict:
    return {key: settings_dict.get(key) or "" for key in CREDENTIAL_KEYS}


def use_credentials(alias: str, wanted: dict) -> None:
    """Make connection `alias` log in with `wanted` from its next query on (closing it if that changes anything).

    The settings dictionary is shared by every thread's connection of the alias, so this is for commands and
    test set-up, not for requests.
    """
    from django.db import connections

    connection = connections[alias]
    if credentials(connection.settings_dict) == credentials(wanted):
        return
    connection.close()
    connection.settings_dict.update(credentials(wanted))


def owner_credentials() -> dict | None:
    from django.conf import settings

    return getattr(settings, "DATABASE_OWNER", None)


def app_role() -> str:
    from django.conf import settings

    return settings.DATABASE_APP["USER"]


def conninfo(creds: dict, database: str) -> str:
    """A libpq connection string for Django-style credentials (HOST may be a socket directory)."""
    from psycopg.conninfo import make_conninfo

    params = {"dbname": database, "user": creds.get("USER"), "password": creds.get("PASSWORD"),
              "host": creds.get("HOST"), "port": str(creds.get("PORT") or "")}
    return make_conninfo(**{key: value for key, value in params.items() if value})


def hand_over_database(server_conninfo: str, name: str, owner: str = OWNER_ROLE) -> None:
    """Give an existing database `name` to `owner` (so it may drop and recreate it); nothing when it is missing."""
    import psycopg

    with psycopg.connect(server_conninfo, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]).fetchone()
        if row is not None and row[0] != owner:
            conn.execute(f"ALTER DATABASE {quote_ident(name)} OWNER TO {quote_ident(owner)}")


@contextlib.contextmanager
def as_owner(alias: str = "default") -> Iterator[dict | None]:
    """Run the block connected as the owner (DATABASE_OWNER_URL); yields None, and changes nothing, without one."""
    from django.db import connections

    owner = owner_credentials()
    if not owner:
        yield None
        return
    before = credentials(connections[alias].settings_dict)
    use_credentials(alias, owner)
    try:
        yield owner
    finally:
        use_credentials(alias, before)


def separate_roles() -> bool:
    """True when an owner is configured and the app connects as another role."""
    owner = owner_credentials()
    return bool(owner) and owner["USER"] != app_role()
