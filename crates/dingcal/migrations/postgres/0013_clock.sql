-- The clock the emulator controls set (PUT /_dingcal/clock), one row when
-- set, so that every node reads the same time: at system time anchor_ns it
-- read at_ns, and since stood still (frozen) or moved on.
CREATE TABLE clock (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    at_ns     BIGINT NOT NULL,
    anchor_ns BIGINT NOT NULL,
    frozen    BOOLEAN NOT NULL
);
