-- Issue 24. Families and supporters: a member invites people close to them (a relative, a partner,
-- a friend) and chooses, per supporter and per item, what reaches them. Nothing here names a
-- group, a meeting, a check-in or another member: a supporter is tied to the one member who
-- invited them, and the weekly update is computed at send time from what that member shares now.

-- One row per invitation, and per supporter once it is accepted. An invitation is a one-time
-- link: only the SHA-256 of its token is kept, and it is cleared when the link is used.
-- AUTOINCREMENT: ids are never reused, since outbox keys name them (a new link must not inherit
-- the "already sent" of an erased one).
CREATE TABLE supporter_links (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id       INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    supporter_id    INTEGER REFERENCES people (user_id) ON DELETE CASCADE,  -- NULL until accepted
    token_hash      TEXT UNIQUE,                 -- NULL once the link was used
    expires_at      TEXT,                        -- the invitation's end; NULL once accepted
    accepted_at     TEXT,
    next_update_at  TEXT,                        -- the weekly update's next instant (rebuilt at start-up)
    created_at      TEXT    NOT NULL,
    UNIQUE (member_id, supporter_id),
    CHECK ((supporter_id IS NULL) = (accepted_at IS NULL))
);

CREATE INDEX supporter_links_by_supporter ON supporter_links (supporter_id);

-- What a member shares with one supporter: one row per item turned on (off is the default).
CREATE TABLE supporter_shares (
    link_id  INTEGER NOT NULL REFERENCES supporter_links (id) ON DELETE CASCADE,
    item     TEXT    NOT NULL,                   -- bot.domain.supporters.ShareItem
    PRIMARY KEY (link_id, item)
) WITHOUT ROWID;

-- When a member's supporters get the weekly update: a weekday (0 = Monday) and a local time,
-- read in each supporter's own time zone. No row: Sunday 18:00.
CREATE TABLE supporter_schedules (
    member_id  INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    at         TEXT    NOT NULL                  -- HH:MM
);

-- A supporter's own time zone, for the weekly update.
CREATE TABLE supporter_profiles (
    user_id   INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    timezone  TEXT    NOT NULL
);

-- "Please reach out to me": one row per supporter asked; gone with the link.
CREATE TABLE reach_out_requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- named by outbox keys, never reused
    link_id          INTEGER NOT NULL REFERENCES supporter_links (id) ON DELETE CASCADE,
    asked_at         TEXT    NOT NULL,
    acknowledged_at  TEXT
);

CREATE INDEX reach_out_requests_by_link ON reach_out_requests (link_id);

-- A group for families: its meetings are listed for supporters in /family.
ALTER TABLE groups ADD COLUMN family INTEGER NOT NULL DEFAULT 0 CHECK (family IN (0, 1));
