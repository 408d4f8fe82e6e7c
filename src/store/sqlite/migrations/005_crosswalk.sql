-- fed311 store, version 5: each service's canonical category and how it was decided.
ALTER TABLE services ADD COLUMN category TEXT;
ALTER TABLE services ADD COLUMN category_how TEXT;   -- JSON, e.g. {"kind":"rule","pattern":"pothole*","field":"service_name"}
