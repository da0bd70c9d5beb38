-- The PostgreSQL baseline: what a ministry would otherwise pick. One plain append-only table
-- of events with a hash chain (hash = SHA-256(previous hash || signed body bytes || signature)),
-- a head row that serialises appends, and the grant computed in SQL from the JSON bodies.
CREATE TABLE events (
  seq        bigint PRIMARY KEY,
  event_id   text   NOT NULL UNIQUE,
  stream     text   NOT NULL,
  body       jsonb  NOT NULL,
  body_bytes bytea  NOT NULL,
  signature  bytea  NOT NULL,
  prev_hash  bytea  NOT NULL,
  hash       bytea  NOT NULL
);
CREATE TABLE goo_norm (day date PRIMARY KEY, cents bigint NOT NULL);
CREATE TABLE chain_head (id int PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL);
CREATE TABLE expected (municipality text, year int, cents bigint);
CREATE SEQUENCE bench_ids;

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- One append: lock the head, extend the chain, insert. No signature check: PostgreSQL has no
-- Ed25519, so the baseline does less work per append than the ledger.
CREATE FUNCTION append_event(p_event_id text, p_stream text, p_body jsonb, p_body_bytes bytea,
                             p_signature bytea) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  head chain_head%ROWTYPE;
  next_hash bytea;
BEGIN
  SELECT * INTO head FROM chain_head WHERE id = 1 FOR UPDATE;
  next_hash := sha256(head.hash || p_body_bytes || p_signature);
  INSERT INTO events VALUES (head.seq, p_event_id, p_stream, p_body, p_body_bytes, p_signature,
                             head.hash, next_hash);
  UPDATE chain_head SET seq = head.seq + 1, hash = next_hash WHERE id = 1;
  RETURN head.seq;
END $$;
