-- fed311 store, version 2: the canonical category of each request (see `taxonomy`).
ALTER TABLE requests ADD COLUMN category TEXT;
CREATE INDEX requests_by_category ON requests (category);
