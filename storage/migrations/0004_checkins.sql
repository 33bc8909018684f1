-- Anonymous check-ins (issue 6).  By design no table holding check-in data has a user id,
-- username or name, and no time finer than a day (personal rows) or an ISO week (group
-- contributions), so a database reader cannot match rows to Telegram message timestamps.
--
-- Three tables hold check-in data, deliberately unlinked:
--   checkins               the member's own history, under their pseudonym (HMAC of the user id)
--   checkin_contributions  what group aggregates count: per group, week and per-group pseudonym,
--                          so the same person's rows in two groups cannot be joined, and
--                          WITHOUT ROWID so storage order says nothing about arrival order
--   shared_checkins        items waiting for a group's next digest: no pseudonym at all, a random
--                          key (no arrival order), deleted once the digest is queued

CREATE TABLE checkins (
    id         INTEGER PRIMARY KEY,
    pseudonym  TEXT    NOT NULL,                 -- bot/pseudonym.py; never a user id
    local_day  TEXT    NOT NULL,                 -- YYYY-MM-DD in the member's zone; no time of day
    mood       INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    craving    INTEGER NOT NULL CHECK (craving BETWEEN 0 AND 10),
    note       TEXT                              -- blanked after RETENTION_DAYS
);

CREATE INDEX checkins_by_pseudonym ON checkins (pseudonym, local_day);
CREATE INDEX checkins_with_notes ON checkins (local_day) WHERE note IS NOT NULL;

CREATE TABLE checkin_contributions (
    group_id     INTEGER NOT NULL,
    iso_week     TEXT    NOT NULL,               -- like 2026-W48, in the group's zone
    contributor  TEXT    NOT NULL,               -- HMAC of (group, user id); unrelated to checkins.pseudonym
    checkins     INTEGER NOT NULL,
    mood_sum     INTEGER NOT NULL,
    craving_sum  INTEGER NOT NULL,
    PRIMARY KEY (group_id, iso_week, contributor)
) WITHOUT ROWID;

CREATE TABLE shared_checkins (
    item_key   TEXT    PRIMARY KEY,              -- random: storage order is not arrival order
    group_id   INTEGER NOT NULL,
    digest_at  TEXT    NOT NULL,                 -- the fixed digest instant it waits for (UTC)
    mood       INTEGER NOT NULL,
    craving    INTEGER NOT NULL,
    note       TEXT                              -- only if the member chose to share it and it was not a crisis
) WITHOUT ROWID;

CREATE INDEX shared_checkins_by_slot ON shared_checkins (group_id, digest_at);

-- The daily prompt is a schedule for a person, so it is tied to the user id (to message them).
-- It is NOT check-in data and is never joined with the tables above.
CREATE TABLE checkin_prompts (
    user_id     INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    local_time  TEXT    NOT NULL,                -- HH:MM
    timezone    TEXT    NOT NULL
);
