-- Several bot processes on one PostgreSQL database (issue 20).  On SQLite, one process, nothing
-- here changes behaviour: the columns stay empty between a claim and its settling.

-- An outbox row is claimed by one process (a random name per process, bot.runtime.leadership)
-- until lease_until, in milliseconds of real time; the holder renews its claims every few
-- seconds, so the claims of a process that died lapse and go to the others.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;

-- Work only one process may do at a time (the scheduled jobs): who holds it and until when, and
-- a generation the other processes bump when they changed what the holder derives its jobs from.
CREATE TABLE leases (
    name        TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_ms  INTEGER NOT NULL,              -- real time, milliseconds since the epoch
    generation  INTEGER NOT NULL DEFAULT 0
);
