-- RFC 3161 time-stamp tokens over signed checkpoints (docs/evidence-bundle.md, "Timestamps"): each is
-- a time-stamping authority's DER TimeStampToken over SHA-256 of the checkpoint's note, exactly as
-- stored in integrity_checkpoints. Written by the checkpointer after signing, at most one per
-- checkpoint, and never changed: a token is evidence, like the checkpoint it stamps.
CREATE TABLE checkpoint_timestamps (
    tree_size bigint PRIMARY KEY REFERENCES integrity_checkpoints (tree_size),
    token bytea NOT NULL,
    gen_time timestamptz NOT NULL,          -- the token's genTime, as the TSA stated it
    tsa_url text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER checkpoint_timestamps_append_only BEFORE UPDATE OR DELETE ON checkpoint_timestamps
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER checkpoint_timestamps_no_truncate BEFORE TRUNCATE ON checkpoint_timestamps
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change();
