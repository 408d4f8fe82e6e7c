-- fed311 store on PostgreSQL, version 3: a request's history is keyed by the request and then
-- its entries' order (`id`), one index where there were two (the identity's own and
-- `history_by_request`): every stored change writes one index entry fewer.
ALTER TABLE request_history DROP CONSTRAINT request_history_pkey;
DROP INDEX history_by_request;
ALTER TABLE request_history ADD PRIMARY KEY (jurisdiction_id, service_request_id, id);
