-- Read models of cases, and where each projection has got to in the event store's notification log.

-- One row per projection: the last notification id whose effects are committed in the read models.
-- Updated in the same transaction as the read-model rows, so a crash never skips or repeats an event.
CREATE TABLE projection_tracking (
    name text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projection_tracking (name) VALUES ('cases');

-- Written every few seconds by whichever process follows the events (API or worker), so readiness
-- checks in any process can tell whether someone is keeping the read models current.
CREATE TABLE projection_heartbeats (
    name text PRIMARY KEY,
    beat_at timestamptz NOT NULL,
    process text NOT NULL
);

-- The latest state of each case. No personal data: the customer's contact person is never copied here.
CREATE TABLE case_summaries (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    status text NOT NULL,
    case_type text NOT NULL,
    severity text NOT NULL,
    channel text NOT NULL,
    customer_id text NOT NULL,
    customer_name text NOT NULL,
    product text NOT NULL,
    registered_by text NOT NULL,
    department text,
    assignee text,
    latest_proposal integer,
    accepted_proposal integer,
    outcome text,
    opened_at timestamptz NOT NULL,
    acknowledged_at timestamptz,
    closed_at timestamptz,
    -- The version of the last event applied; an older event never overwrites a newer state.
    version integer NOT NULL,
    -- When the last event was recorded (not when it happened in the business).
    last_event_at timestamptz NOT NULL
);
-- The case list's order (newest first, id breaks ties) and its filters.
CREATE INDEX case_summaries_opened_idx ON case_summaries (opened_at DESC, id DESC);
CREATE INDEX case_summaries_status_idx ON case_summaries (status, opened_at DESC, id DESC);
CREATE INDEX case_summaries_type_idx ON case_summaries (case_type, opened_at DESC, id DESC);
CREATE INDEX case_summaries_customer_idx ON case_summaries (customer_id, opened_at DESC, id DESC);
CREATE INDEX case_summaries_assignee_idx ON case_summaries (assignee, opened_at DESC, id DESC);

-- Every event of every case, in the words of the business; free text (notes, reasons) stays out,
-- because people write names and phone numbers into it.
CREATE TABLE case_timeline (
    case_id uuid NOT NULL,
    version integer NOT NULL,
    notification_id bigint NOT NULL UNIQUE,
    event_type text NOT NULL,
    actor_id text NOT NULL,
    actor_role text NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    summary text NOT NULL,
    PRIMARY KEY (case_id, version)
);
