-- Read models of access: the log of every read (who saw what), and the access grants.

-- One row per case a read named; a read that named no case (an empty list, the access log itself)
-- has one row with case_id NULL. Rows of one read share its notification id.
CREATE TABLE access_log (
    notification_id bigint NOT NULL,
    record_id uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    user_id text NOT NULL,
    role text NOT NULL,
    what text NOT NULL,
    case_id uuid,
    grant_id uuid,
    request_id text,
    refused boolean NOT NULL,
    why text,
    UNIQUE NULLS NOT DISTINCT (notification_id, case_id)
);
-- Newest first, over all reads or over one case's.
CREATE INDEX access_log_position_idx ON access_log (notification_id DESC);
CREATE INDEX access_log_case_idx ON access_log (case_id, notification_id DESC);

-- The latest state of each access grant. The purpose is free text and stays in the events.
CREATE TABLE access_grants (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    requester text NOT NULL,
    status text NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_until timestamptz NOT NULL,
    requested_at timestamptz NOT NULL,
    decided_by text,
    decided_at timestamptz,
    revoked_by text,
    revoked_at timestamptz,
    version integer NOT NULL
);
-- The read gate's lookup (a user's grants for a case), and the listing for managers.
CREATE INDEX access_grants_requester_idx ON access_grants (requester, case_id, valid_until DESC);
CREATE INDEX access_grants_case_idx ON access_grants (case_id, requested_at DESC);
CREATE INDEX access_grants_requested_idx ON access_grants (requested_at DESC, id DESC);

-- From now on one projection, `read_models`, writes every read model under one tracking position.
-- Before this release only case events existed, so the case projection's position is right for the
-- access read models too: they are complete (empty) up to it.
UPDATE projection_tracking SET name = 'read_models'
    WHERE name = 'cases' AND NOT EXISTS (SELECT 1 FROM projection_tracking WHERE name = 'read_models');
DELETE FROM projection_heartbeats WHERE name = 'cases';
