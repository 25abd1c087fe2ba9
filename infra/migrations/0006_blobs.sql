-- Evidence bytes, content-addressed: a blob's name is the SHA-256 (lower-case hex) of its bytes.
-- Stored in chunks, so that neither a write nor a read ever holds a whole video in memory.
-- Append-only like the events: a blob is never changed or removed, the same bytes are stored once.
-- `aftersales verify` rehashes every blob: a changed chunk is found even though the trigger was bypassed.
CREATE TABLE blobs (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size bigint NOT NULL CHECK (size >= 0),
    chunks integer NOT NULL CHECK (chunks >= 0),
    stored_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE blob_chunks (
    sha256 text NOT NULL REFERENCES blobs (sha256),
    chunk_index integer NOT NULL CHECK (chunk_index >= 0),
    content bytea NOT NULL,
    PRIMARY KEY (sha256, chunk_index)
);
-- Photos, videos and PDFs are compressed already: compressing them again costs time for nothing.
ALTER TABLE blob_chunks ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TRIGGER blobs_append_only BEFORE UPDATE OR DELETE ON blobs
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER blobs_no_truncate BEFORE TRUNCATE ON blobs
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER blob_chunks_append_only BEFORE UPDATE OR DELETE ON blob_chunks
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER blob_chunks_no_truncate BEFORE TRUNCATE ON blob_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change();
