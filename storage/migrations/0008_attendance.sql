-- Attendance: roll calls (one per meeting occurrence held), who was present, and proof letters.
-- An occurrence is named as in the meetings feature: meeting id plus start instant in UTC text.

-- A roll call taken for an occurrence: posted by the bot at its opening, or started by a
-- facilitator marking people by hand.  A row here is what "a meeting held" means in reports.
CREATE TABLE roll_calls (
    meeting_id        INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    occurrence_start  TEXT    NOT NULL,            -- UTC instant (storage.timestamps)
    chat_id           INTEGER NOT NULL REFERENCES groups (chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    opens_at          TEXT    NOT NULL,
    closes_at         TEXT    NOT NULL,            -- the closing job is rebuilt from this at start-up
    message_id        INTEGER,                     -- the "I'm here" message; NULL never posted,
                                                   -- 0 being posted, -1 Telegram refused it
    closed            INTEGER NOT NULL DEFAULT 0,  -- 1 once that message says the roll call is closed
    PRIMARY KEY (meeting_id, occurrence_start)
) WITHOUT ROWID;

CREATE INDEX roll_calls_by_group ON roll_calls (chat_id, occurrence_start);
CREATE INDEX roll_calls_to_close ON roll_calls (closed, closes_at) WHERE message_id > 0;

-- Who was there.  user_id has no foreign key on purpose: when someone erases their data, their
-- rows move to a random negative stand-in id, so published counts stay true and nobody is named.
CREATE TABLE attendance (
    meeting_id        INTEGER NOT NULL,
    occurrence_start  TEXT    NOT NULL,
    chat_id           INTEGER NOT NULL REFERENCES groups (chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    user_id           INTEGER NOT NULL,
    present           INTEGER NOT NULL CHECK (present IN (0, 1)),
    source            TEXT    NOT NULL CHECK (source IN ('button', 'facilitator')),
    marked_by         INTEGER,                     -- the facilitator, for source = 'facilitator'
    updated_at        TEXT    NOT NULL,
    PRIMARY KEY (meeting_id, occurrence_start, user_id),
    FOREIGN KEY (meeting_id, occurrence_start) REFERENCES roll_calls (meeting_id, occurrence_start)
        ON DELETE CASCADE
) WITHOUT ROWID;

-- Reports: by group and time, covering (present, user_id) so counts never touch the table.
CREATE INDEX attendance_by_group ON attendance (chat_id, occurrence_start, present, user_id);
-- /myattendance, /proof and erasure.
CREATE INDEX attendance_by_user ON attendance (user_id, occurrence_start);

-- Proof-of-attendance letters as issued, so /verify can confirm their contents.
CREATE TABLE proof_letters (
    code       TEXT    PRIMARY KEY,                -- bot.attendance.proof_code of contents
    user_id    INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    contents   TEXT    NOT NULL,                   -- ProofLetter.canonical(), UTF-8 JSON
    issued_at  TEXT    NOT NULL
) WITHOUT ROWID;

CREATE INDEX proof_letters_by_user ON proof_letters (user_id);
