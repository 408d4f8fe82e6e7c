-- fed311 store, version 7: the HTTP status a city refused a submission with (NULL when fed311
-- refused it itself, or for a row that is not refused), so the client's answer can tell a
-- problem with the data (400, 422) from a city that will not take it (anything else).
ALTER TABLE outbox ADD COLUMN refusal_status INTEGER;
-- Refusals kept before this version carry the status only in their words.
UPDATE outbox SET refusal_status = CAST(substr(error, 27, 3) AS INTEGER)
    WHERE state = 'refused' AND error LIKE 'the city refused it (HTTP ___)%';
