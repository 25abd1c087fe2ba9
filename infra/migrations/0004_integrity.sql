-- Tamper evidence: the Merkle leaf of every event, in global order, and the signed checkpoints.
-- Both are written by the integrity follower (the projection worker), never by a command.
-- Neither is trusted by `verify`: it recomputes every leaf from the raw events and checks each
-- checkpoint's signature against a key kept outside the database. The stored leaves only let it
-- name the first event that differs from what was checkpointed.
CREATE TABLE integrity_leaves (
    leaf_index bigint PRIMARY KEY,          -- 0-based place in the tree
    position bigint NOT NULL UNIQUE,        -- the event's notification id
    leaf_hash bytea NOT NULL CHECK (octet_length(leaf_hash) = 32)
);

CREATE TABLE integrity_checkpoints (
    tree_size bigint PRIMARY KEY CHECK (tree_size > 0),
    root_hash bytea NOT NULL CHECK (octet_length(root_hash) = 32),
    signed_at timestamptz NOT NULL,
    note text NOT NULL                      -- the C2SP signed note, exactly as signed
);

CREATE TRIGGER integrity_leaves_append_only BEFORE UPDATE OR DELETE ON integrity_leaves
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER integrity_leaves_no_truncate BEFORE TRUNCATE ON integrity_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER integrity_checkpoints_append_only BEFORE UPDATE OR DELETE ON integrity_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER integrity_checkpoints_no_truncate BEFORE TRUNCATE ON integrity_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change();
