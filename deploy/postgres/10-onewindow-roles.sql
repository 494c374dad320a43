-- The two database roles of OneWindow (portal/dbroles.py), made once when the postgres container initialises its
-- data directory (docker-entrypoint-initdb.d runs this with psql as the cluster's superuser, in POSTGRES_DB).
--
--   onewindow_owner  owns the database, the schema and every table: the one-shot `migrate` job connects as it
--                    (DATABASE_OWNER_URL) and grants the app role its privileges after each migration.
--   onewindow_app    what web, worker and beat connect as (DATABASE_URL): reads and writes data, owns nothing;
--                    on the audit log only INSERT and SELECT. No superuser, so no session_replication_role.
--
-- Passwords come from the container's environment (ONEWINDOW_OWNER_PASSWORD, ONEWINDOW_APP_PASSWORD; psql 15+
-- reads them with \getenv). Role names can be changed with psql -v owner_role=... -v app_role=... .
\set ON_ERROR_STOP on
\if :{?owner_role}
\else
\set owner_role onewindow_owner
\endif
\if :{?app_role}
\else
\set app_role onewindow_app
\endif
\getenv owner_password ONEWINDOW_OWNER_PASSWORD
\getenv app_password ONEWINDOW_APP_PASSWORD
SELECT current_database() AS database_name \gset

CREATE ROLE :"owner_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'owner_password';
-- NOINHERIT: should it ever be granted membership of a stronger role, it still does not act as one.
CREATE ROLE :"app_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
    PASSWORD :'app_password';

-- The owner owns the database and with it (PostgreSQL 15+) the public schema; nobody else may create objects there.
ALTER DATABASE :"database_name" OWNER TO :"owner_role";
REVOKE ALL ON DATABASE :"database_name" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database_name" TO :"app_role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app_role";
