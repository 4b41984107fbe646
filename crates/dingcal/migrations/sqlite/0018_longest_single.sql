-- How long the longest single (not recurring) event is, in keys, and never
-- less than two days: free/busy reads a user's single events that start at
-- most that long before its window, not all the earlier ones.
CREATE TABLE longest_single (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seconds INTEGER NOT NULL
);
INSERT INTO longest_single (id, seconds)
SELECT 1, MAX(172800, COALESCE(MAX(end_key - start_key), 0)) FROM events WHERE recurring = FALSE;
