-- fed311 store, version 4: the list order (newest requested first, then id) read straight
-- from an index, with no sort per query.
DROP INDEX requests_by_requested;
CREATE INDEX requests_by_requested ON requests (jurisdiction_id, requested_at, service_request_id);
