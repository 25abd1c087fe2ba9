-- One statement appends a command's events with its side records, in autocommit: a single round trip,
-- so the EXCLUSIVE lock (which keeps notification ids visible in commit order) is held only for the
-- server's own work and the commit, never while waiting for the client. A conflict aborts the whole
-- statement and names its constraint; there is no half-sent pipeline left behind.
CREATE FUNCTION ledger_append(
    events stored_event_uuid[],
    number_year integer,
    number_sequence integer,
    number_case_id uuid,
    idempotency_key text,
    idempotency_hash text,
    idempotency_response jsonb
) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE ledger_events IN EXCLUSIVE MODE;
    IF number_year IS NOT NULL THEN
        INSERT INTO case_numbers (year, sequence, case_id)
        VALUES (number_year, number_sequence, number_case_id);
    END IF;
    IF idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_records (key, request_hash, response)
        VALUES (idempotency_key, idempotency_hash, idempotency_response);
    END IF;
    NOTIFY ledger_events;
    RETURN QUERY
        INSERT INTO ledger_events (originator_id, originator_version, topic, state)
        SELECT e.originator_id, e.originator_version, e.topic, e.state FROM unnest(events) AS e
        RETURNING notification_id;
END
$$;
