-- Follow-ups of closed cases and the supervision's reviews of service complaints, one row each in its
-- latest state. Free text (notes, comments, findings, measures) stays in the events.
-- Which cases are due a follow-up, and which complaints the report lists, come from `case_summaries` by a
-- join when read: a case closed (or a complaint registered) before this release is listed too, with no
-- row here yet. Before this release no follow-up or review existed: the read models' position is right
-- for these tables too.
CREATE TABLE follow_ups (
    case_id uuid PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    reason text NOT NULL,
    status text NOT NULL,
    round integer NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    rating integer,
    rated_by_customer boolean NOT NULL DEFAULT false,
    -- A new customer's next round, when their usage was not normal yet.
    next_due timestamptz,
    opened_at timestamptz NOT NULL,
    done_at timestamptz,
    -- The version of the last event applied; an older event never overwrites a newer state.
    version integer NOT NULL
);

CREATE TABLE complaint_reviews (
    case_id uuid PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    outcome text NOT NULL,
    status text NOT NULL,
    accountability_records integer NOT NULL DEFAULT 0,
    apologised_at timestamptz,
    verified_at timestamptz NOT NULL,
    closed_at timestamptz,
    version integer NOT NULL
);
