-- fed311 store on PostgreSQL, version 4: a request's `created` history entry is written when
-- the request is first rewritten; until then the row itself is that entry (see
-- `store/postgres/history.rs`). Most requests never change, and each entry cost a row and an
-- index entry at ingest. Requests already stored have all their entries written.
ALTER TABLE requests ADD COLUMN history_written BOOLEAN NOT NULL DEFAULT TRUE;
