-- The database role the service runs as in production. It reads everything, writes the read models,
-- users and commands' side records, appends events ONLY through ledger_append (a SECURITY DEFINER
-- function, migration 0005), and has no privilege to UPDATE, DELETE or TRUNCATE events, Merkle
-- leaves, checkpoints or evidence blobs: on top of the triggers that refuse those to anyone.
--
-- Run it as the schema's owner (the user that ran `aftersales migrate`) after creating the role,
-- and again after every release that adds migrations:
--   psql "$OWNER_URL" -c "CREATE ROLE aftersales_app LOGIN PASSWORD '...'"
--   psql "$OWNER_URL" -f docker/app-role.sql
-- Then run the service with AFTERSALES_DATABASE_URL naming aftersales_app. New migrations are applied
-- with the owner's URL (`aftersales migrate`) before the new release starts.
GRANT USAGE ON SCHEMA public TO aftersales_app;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO aftersales_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO aftersales_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ledger_events FROM aftersales_app;
REVOKE UPDATE, DELETE, TRUNCATE ON integrity_leaves, integrity_checkpoints FROM aftersales_app;
REVOKE UPDATE, DELETE, TRUNCATE ON checkpoint_timestamps FROM aftersales_app;
-- Evidence bytes (migration 0006) are added, never changed or removed.
REVOKE UPDATE, DELETE, TRUNCATE ON blobs, blob_chunks FROM aftersales_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM aftersales_app;
-- Erasure vacuums the subject keys so that a destroyed key leaves no dead row behind (PostgreSQL 17+).
GRANT MAINTAIN ON subject_keys TO aftersales_app;
GRANT EXECUTE ON FUNCTION ledger_append(stored_event_uuid[], integer, integer, uuid, text, text, jsonb)
    TO aftersales_app;
