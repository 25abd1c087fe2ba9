-- Written in the same transaction as a command's events (see infra/eventstore.py).
CREATE TABLE idempotency_records (
    key text PRIMARY KEY,
    request_hash text NOT NULL,
    response jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- A number row exists if and only if its registration committed: numbers have no gaps.
CREATE TABLE case_numbers (
    year integer NOT NULL,
    sequence integer NOT NULL CHECK (sequence > 0),
    case_id uuid NOT NULL UNIQUE,
    PRIMARY KEY (year, sequence)
);

CREATE TABLE users (
    id text PRIMARY KEY,
    display_name text NOT NULL,
    roles text[] NOT NULL,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
