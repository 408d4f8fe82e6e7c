-- fed311 store, version 8: what a harvest pass needs to lose nothing across failures and
-- restarts, and what it tells about a city's health.
-- Spans of requests still to fetch (JSON: [{"axis": "requested", "from": s, "to": s}, ...]):
-- windows that failed, and the rest of a sweep a killed pass left; the next pass takes them first.
ALTER TABLE harvest_state ADD COLUMN pending TEXT;
-- The city's clock minus ours (seconds), from its HTTP Date header: rescans are anchored on it.
ALTER TABLE harvest_state ADD COLUMN clock_offset INTEGER;
-- When the last deep rescans were planned (our clock): the last 90 days, and everything.
ALTER TABLE harvest_state ADD COLUMN recent_rescan_at INTEGER;
ALTER TABLE harvest_state ADD COLUMN full_rescan_at INTEGER;
-- When the pass under way started (NULL when none is): the city's health says "harvesting".
ALTER TABLE harvest_state ADD COLUMN running_since INTEGER;
-- The last pass's figures (JSON): calls by outcome, calls against the ideal, records skipped by
-- reason, ids the city sent for two different reports.
ALTER TABLE harvest_state ADD COLUMN last_pass TEXT;
