-- Read models of contracts and shipments, for lists and filters (by customer, product, contract, period).
CREATE TABLE contract_summaries (
    id uuid PRIMARY KEY,
    number text NOT NULL,
    customer_id text NOT NULL,
    product text NOT NULL,
    grade text NOT NULL,
    registered_at timestamptz NOT NULL
);

-- Each shipment with its contract's customer and product copied in: the filters need no join.
CREATE TABLE shipment_summaries (
    id uuid PRIMARY KEY,
    reference text NOT NULL,
    contract_id uuid NOT NULL,
    contract_number text NOT NULL,
    customer_id text NOT NULL,
    product text NOT NULL,
    quantity numeric NOT NULL,
    unit text NOT NULL,
    transport_mode text NOT NULL,
    carrier text NOT NULL,
    dispatched_at timestamptz NOT NULL,
    arrived_at timestamptz
);
-- Newest dispatch first, ties broken by id: the list's order and its cursor.
CREATE INDEX shipment_summaries_order_idx ON shipment_summaries (dispatched_at DESC, id DESC);
CREATE INDEX shipment_summaries_customer_idx ON shipment_summaries (customer_id, dispatched_at DESC);
