-- Indexes built after the bulk load (faster than maintaining them row by row), the chain's
-- head, and statistics.
CREATE INDEX events_stream ON events (stream, seq);
CREATE INDEX events_supersedes ON events ((body ->> 'supersedesEventId'))
  WHERE body ? 'supersedesEventId';
INSERT INTO chain_head SELECT 1, seq + 1, hash FROM events ORDER BY seq DESC LIMIT 1;
VACUUM ANALYZE;
