-- ledger_append runs with its owner's rights, so that the service's own database role needs no
-- right to change the event table at all: it appends only through this function (which takes the
-- EXCLUSIVE lock a plain INSERT right could not), and reads. See docker/app-role.sql.
-- FROM CURRENT pins the search path the migration ran with: a caller cannot redirect the names.
ALTER FUNCTION ledger_append(stored_event_uuid[], integer, integer, uuid, text, text, jsonb)
    SECURITY DEFINER SET search_path FROM CURRENT;
REVOKE EXECUTE ON FUNCTION ledger_append(stored_event_uuid[], integer, integer, uuid, text, text, jsonb)
    FROM PUBLIC;
