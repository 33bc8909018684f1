-- Meetings: series, skipped dates, RSVPs, announcements, reminder settings and the reminder ledger.
-- Group foreign keys cascade on update so a group that becomes a supergroup keeps its meetings.

CREATE TABLE meetings (
    id                INTEGER PRIMARY KEY,
    chat_id           INTEGER NOT NULL REFERENCES groups (chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    title             TEXT    NOT NULL,
    first_start_local TEXT    NOT NULL,            -- naive wall time 'YYYY-MM-DDTHH:MM' in time_zone
    time_zone         TEXT    NOT NULL,            -- IANA name; kept when the group's zone changes
    duration_minutes  INTEGER NOT NULL,
    rrule             TEXT    NOT NULL DEFAULT '', -- bot.recurrence.Recurrence.to_rrule_string()
    place             TEXT,
    link              TEXT,
    notes             TEXT,
    capacity          INTEGER,                     -- NULL: no limit
    created_by        INTEGER NOT NULL,
    cancelled         INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);

CREATE INDEX meetings_by_group ON meetings (chat_id, cancelled);

CREATE TABLE meeting_skips (
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,                  -- 'YYYY-MM-DD' in the meeting's zone
    PRIMARY KEY (meeting_id, local_date)
) WITHOUT ROWID;

CREATE TABLE rsvps (
    meeting_id        INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    occurrence_start  TEXT    NOT NULL,            -- UTC instant (storage.timestamps)
    user_id           INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    answer            TEXT    NOT NULL CHECK (answer IN ('going', 'maybe', 'no')),
    waitlist_position INTEGER,                     -- set while 'going' but over capacity
    updated_at        TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, occurrence_start, user_id)
) WITHOUT ROWID;

CREATE INDEX rsvps_by_user ON rsvps (user_id);

CREATE TABLE meeting_announcements (
    meeting_id        INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    occurrence_start  TEXT    NOT NULL,
    chat_id           INTEGER NOT NULL,
    message_id        INTEGER NOT NULL,
    rendered          TEXT    NOT NULL DEFAULT '',  -- the buttons last sent, so edits are never no-ops
    PRIMARY KEY (meeting_id, occurrence_start, chat_id, message_id)
) WITHOUT ROWID;

CREATE TABLE group_reminder_offsets (
    chat_id  INTEGER PRIMARY KEY REFERENCES groups (chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    offsets     TEXT NOT NULL,                     -- minutes before the start, comma-separated
    changed_at  TEXT NOT NULL                      -- reminders due before this were never promised
);

CREATE TABLE reminder_preferences (
    user_id            INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    private_reminders  INTEGER NOT NULL DEFAULT 1
);

-- Every reminder (meeting, occurrence, offset) handled: enqueued in the outbox, or skipped as late.
-- The outbox holds one row per recipient under its own unique key; this ledger says the reminder as a
-- whole needs no more work, so start-up finds exactly the reminders that were missed.
CREATE TABLE reminder_ledger (
    meeting_id        INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    occurrence_start  TEXT    NOT NULL,
    offset_minutes    INTEGER NOT NULL,
    outcome           TEXT    NOT NULL CHECK (outcome IN ('enqueued', 'skipped')),
    handled_at        TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, occurrence_start, offset_minutes)
) WITHOUT ROWID;
