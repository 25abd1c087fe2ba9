-- Read models of the objection side: inspections (with their labs, for the lab filter) and one row per
-- case with objection activity (an inspection, a liability determination or a settlement), for the
-- objection list and its filters (customer, product, shipment, lab, root cause, period).
-- Names of people (samplers, witnesses, signers) and free text (reasons, rationale) stay in the events.
-- Inspections, determinations and settlements come in the same release (issue 5) as these tables: the
-- read models' position is right for them too.

-- One row per inspection in its latest state.
CREATE TABLE inspection_summaries (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    shipment_id uuid NOT NULL,
    -- The shipment's reference as recorded, copied from shipment_summaries when the inspection opened.
    shipment_reference text,
    sampled_at timestamptz NOT NULL,
    is_joint boolean NOT NULL,
    -- sampled, tested, reinspection_requested, agency_appointed, reinspected
    status text NOT NULL,
    agency text,
    opened_at timestamptz NOT NULL,
    -- The version of the last event applied; an older event never overwrites a newer state.
    version integer NOT NULL
);
CREATE INDEX inspection_summaries_case_idx ON inspection_summaries (case_id, opened_at, id);
CREATE INDEX inspection_summaries_shipment_idx ON inspection_summaries (shipment_id);

-- One row per lab result as first recorded (a correction keeps its result's lab and kind).
CREATE TABLE inspection_labs (
    result_id uuid PRIMARY KEY,
    inspection_id uuid NOT NULL,
    lab text NOT NULL,
    lab_kind text NOT NULL
);
CREATE INDEX inspection_labs_inspection_idx ON inspection_labs (inspection_id);
CREATE INDEX inspection_labs_lab_idx ON inspection_labs (upper(lab));

-- One row per case with objection activity; the case's number, customer, product and opening time are
-- copied from case_summaries, the shipment is the first inspection's.
CREATE TABLE objection_summaries (
    case_id uuid PRIMARY KEY,
    case_number text NOT NULL,
    customer_id text NOT NULL,
    product text NOT NULL,
    opened_at timestamptz NOT NULL,
    shipment_id uuid,
    shipment_reference text,
    liability_id uuid UNIQUE,
    -- pending, approved, rejected: "approved" while an approved determination is in force, even when a
    -- change of it awaits approval.
    liability_status text,
    -- The latest proposal's root cause; an approval is always of the latest proposal (a new proposal
    -- supersedes the pending one), so `root_cause` is copied from it when approved.
    proposed_root_cause text,
    root_cause text,
    liability_version integer,
    settlement_id uuid UNIQUE,
    -- The latest settlement proposal's status (awaiting_approval, offered, signed, rejected, executed).
    settlement_status text,
    legal_hold boolean NOT NULL DEFAULT false,
    settlement_version integer
);
-- The list's order (when the customer raised it, newest first, id breaks ties) and its filters.
CREATE INDEX objection_summaries_opened_idx ON objection_summaries (opened_at DESC, case_id DESC);
CREATE INDEX objection_summaries_customer_idx ON objection_summaries (customer_id, opened_at DESC);
CREATE INDEX objection_summaries_root_cause_idx ON objection_summaries (root_cause);
