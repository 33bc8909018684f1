-- Issue 11. Recovery milestones: the date a member's recovery started, counted in their time zone.
-- One row per member; removing the date deletes the row. Nothing here records resets: starting
-- again is part of recovery, not a mark against anyone.

CREATE TABLE milestones (
    user_id            INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    start_date         TEXT    NOT NULL,   -- local date YYYY-MM-DD, day 0
    set_on             TEXT    NOT NULL,   -- local date the start was (re)set: earlier milestones are not sent
    timezone           TEXT    NOT NULL,   -- IANA name the days are counted in
    celebrate_chat_id  INTEGER REFERENCES groups (chat_id) ON DELETE SET NULL,  -- opt-in group post
    celebrate_as       TEXT    NOT NULL DEFAULT 'first_name'
                       CHECK (celebrate_as IN ('first_name', 'anonymous')),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);

CREATE INDEX milestones_by_group ON milestones (celebrate_chat_id) WHERE celebrate_chat_id IS NOT NULL;

-- Meeting Guide feeds (issue 11): groups whose admins chose to publish their weekly meetings over
-- HTTP (webhook mode). The token is the unguessable last part of the feed's URL; it stays the same
-- until the admins unpublish, so intergroup websites can keep one address.
CREATE TABLE feed_publications (
    chat_id     INTEGER PRIMARY KEY REFERENCES groups (chat_id) ON DELETE CASCADE,
    token       TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
);
