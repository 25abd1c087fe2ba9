-- Read models of installed units, their repairs and returns of goods, for the GraphQL lists and the
-- customer's user file (用户使用档案卡). Names of people (engineers, signers, the customer's contacts)
-- and free text (findings, work done, descriptions, reasons) stay in the events.
-- Units, repairs and returns came in the release before (issue 6) without read models: a database that
-- recorded any of them rebuilds the read models (`rebuild`) to fill these tables.

-- One row per installed unit in its latest state.
CREATE TABLE unit_summaries (
    id uuid PRIMARY KEY,
    serial_number text NOT NULL,
    model text NOT NULL,
    customer_id text NOT NULL,
    site text NOT NULL,
    region text NOT NULL,
    accepted_at timestamptz NOT NULL,
    -- The acceptance's UTC offset in seconds: the contract counts days in the acceptance's time zone.
    accepted_utc_offset integer NOT NULL,
    inspection_interval_months integer,
    -- Every periodic inspection visit recorded, for the schedule (recomputed on each visit).
    inspections_done timestamptz[] NOT NULL DEFAULT '{}',
    -- The earliest due date no recorded inspection met (null: no periodic inspection), and the first
    -- moment it is overdue (the midnight after that day, in the acceptance's time zone).
    inspection_due date,
    inspection_overdue_from timestamptz,
    repairs integer NOT NULL DEFAULT 0,
    -- The version of the last event applied; an older event never overwrites a newer state.
    version integer NOT NULL
);
CREATE INDEX unit_summaries_accepted_idx ON unit_summaries (accepted_at DESC, id DESC);
CREATE INDEX unit_summaries_customer_idx ON unit_summaries (customer_id, accepted_at DESC);
CREATE INDEX unit_summaries_overdue_idx ON unit_summaries (inspection_overdue_from);

-- One row per repair (one per equipment-fault case) in its latest state.
CREATE TABLE repair_summaries (
    case_id uuid PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    unit_id uuid NOT NULL,
    component_class text NOT NULL,
    fault_code text NOT NULL,
    reported_at timestamptz NOT NULL,
    opened_at timestamptz NOT NULL,
    -- The engineer's decision: null until decided.
    in_warranty boolean,
    -- opened, warranty_decided, quoted, quote_accepted, quote_rejected, dispatched, on_site, not_fixed,
    -- fixed, signed (the fixing visit's service record)
    status text NOT NULL,
    visits integer NOT NULL DEFAULT 0,
    -- The number of the visit that fixed the fault; null while not fixed.
    fixed_visit integer,
    dispatched_at timestamptz,
    arrived_at timestamptz,
    fixed_at timestamptz,
    signed_at timestamptz,
    version integer NOT NULL
);
CREATE INDEX repair_summaries_unit_idx ON repair_summaries (unit_id, opened_at);

-- One row per return in its latest state; the customer is its case's (joined from case_summaries).
CREATE TABLE return_summaries (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    shipment_reference text,
    order_reference text,
    product text NOT NULL,
    reason text NOT NULL,
    -- free, negotiated, lawful_ground, not_eligible: the latest decision's; null until decided.
    eligibility text,
    status text NOT NULL,
    applied_at timestamptz NOT NULL,
    -- When it ended: closed (the customer satisfied), cancelled or not eligible.
    closed_at timestamptz,
    version integer NOT NULL
);
CREATE INDEX return_summaries_applied_idx ON return_summaries (applied_at DESC, id DESC);
CREATE INDEX return_summaries_case_idx ON return_summaries (case_id, applied_at);
