-- The key store of personal data (infra/subject_keys.py): one AES-256-GCM key per data subject, wrapped
-- by a key-encryption key kept in a file outside the database. Destroying a subject's key sets
-- `wrapped_key` to NULL and `erased_at` to the time, in one statement: the row stays as the proof that the
-- subject was erased, and so that the subject's id can never get a new key (their old data stays erased).
CREATE TABLE subject_keys (
    subject_id uuid PRIMARY KEY,
    wrapped_key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz,
    CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
-- Which cases hold a subject's sealed data: what an erasure checks for legal holds and reports.
CREATE TABLE subject_cases (
    subject_id uuid NOT NULL REFERENCES subject_keys (subject_id),
    case_id uuid NOT NULL,
    noted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, case_id)
);
CREATE INDEX subject_cases_case_idx ON subject_cases (case_id);
