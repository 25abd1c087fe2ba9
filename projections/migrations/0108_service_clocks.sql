-- The service clocks of equipment-fault cases (respond, on site, fix, signed record), one row per case and
-- clock, as they stood at `as_of`, the latest moment recorded about the case. What they are computed from
-- is kept beside them: the case's and the repair's facts, the units' regions and service contracts, the
-- contracts' service policies (JSON in the shapes projections/service_clocks.py writes). Cases recorded
-- before this release get their clocks by `aftersales rebuild`.
CREATE TABLE service_clock_facts (
    case_id uuid PRIMARY KEY,
    repair_id uuid NOT NULL UNIQUE,
    alerts_id uuid NOT NULL UNIQUE,
    case_facts jsonb NOT NULL,
    repair_facts jsonb,
    last_alert_at timestamptz
);

CREATE TABLE service_clock_units (
    unit_id uuid PRIMARY KEY,
    region text NOT NULL,
    service_contract text
);

CREATE TABLE service_clock_policies (
    -- The contract number as the policy's stream id reads it (trimmed, upper case).
    contract_key text PRIMARY KEY,
    policy jsonb NOT NULL
);

CREATE TABLE service_clocks (
    case_id uuid NOT NULL,
    clock text NOT NULL,
    state text NOT NULL,
    started_at timestamptz,
    due_at timestamptz,
    at_risk_at timestamptz,
    stopped_at timestamptz,
    met boolean,
    breached_by_seconds double precision,
    working_seconds double precision NOT NULL,
    paused_seconds double precision NOT NULL,
    is_at_risk boolean NOT NULL,
    -- [{"started_at", "ended_at", "reason"}], in order.
    pauses jsonb NOT NULL,
    service_contract text,
    as_of timestamptz NOT NULL,
    PRIMARY KEY (case_id, clock)
);

CREATE INDEX service_clocks_running_due ON service_clocks (due_at) WHERE state IN ('running', 'paused');

CREATE TABLE service_clock_alerts (
    case_id uuid NOT NULL,
    clock text NOT NULL,
    kind text NOT NULL,  -- at_risk or breached
    due_at timestamptz NOT NULL,
    breached_by_seconds double precision,
    escalated_to text NOT NULL,
    raised_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, clock, kind)
);

CREATE INDEX service_clock_alerts_raised ON service_clock_alerts (raised_at DESC);
