-- Corrective and preventive actions, one row per action in its latest state, for the root-cause Pareto.
-- The description, what was done and the verifier's evidence are free text and stay in the events.
-- The product is the case's (`case_summaries.product`), joined when read: both tables are written in one
-- transaction at one position, and a case's product never changes.
-- Before this release no action existed: the read models' position is right for this table too.
CREATE TABLE corrective_actions (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    root_cause text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    owner text NOT NULL,
    due timestamptz NOT NULL,
    raised_at timestamptz NOT NULL,
    completed_at timestamptz,
    verified_at timestamptz,
    cancelled_at timestamptz,
    -- The version of the last event applied; an older event never overwrites a newer state.
    version integer NOT NULL
);
CREATE INDEX corrective_actions_case_idx ON corrective_actions (case_id);
CREATE INDEX corrective_actions_root_cause_idx ON corrective_actions (root_cause, case_id);
