-- Single-use links a customer rates a closed case's service through, without a login (infra/feedback_links.py).
-- Only a SHA-256 of each token is stored, as for users' tokens. `used_at` is set in the transaction that
-- records the rating; the conditional UPDATE that sets it is what makes a link single-use.
CREATE TABLE feedback_links (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    token_hash text NOT NULL UNIQUE,
    issued_by text NOT NULL,
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX feedback_links_case_idx ON feedback_links (case_id);
