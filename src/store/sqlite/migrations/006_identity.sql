-- fed311 store, version 6: a random identity, made once when the store is created (or first
-- migrated), so that a search index can tell which store it was built from.
CREATE TABLE store_identity (
    id TEXT NOT NULL
);
INSERT INTO store_identity (id) VALUES (lower(hex(randomblob(16))));
