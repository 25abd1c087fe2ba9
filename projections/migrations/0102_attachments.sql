-- The evidence of every case, current and superseded, in the order it was attached. The bytes are in the
-- blob store under `sha256`; the file name and the description are free text (people name files after
-- people) and stay in the events: GraphQL reads them from the event store when asked.
CREATE TABLE case_attachments (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    notification_id bigint NOT NULL UNIQUE,
    sha256 text NOT NULL,
    size bigint NOT NULL,
    content_type text NOT NULL,
    kind text NOT NULL,
    attached_by text NOT NULL,
    attached_role text NOT NULL,
    attached_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    superseded_by uuid,
    superseded_at timestamptz
);
CREATE INDEX case_attachments_case_idx ON case_attachments (case_id, notification_id);
