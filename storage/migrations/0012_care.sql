-- Issue 18. Care for the carers: peer workers' weekly self-checks (their own, stored under their
-- id; coordinators only ever read aggregates with small-cell suppression), supervision requests
-- and sessions (reminders planned like meeting reminders), the next-day check after a crisis
-- alert, and time off.

-- When a worker wants the weekly self-check prompt: a weekday and a wall time in their zone.
CREATE TABLE care_prompts (
    user_id     INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- 0 = Monday
    local_time  TEXT    NOT NULL,                                  -- 'HH:MM'
    timezone    TEXT    NOT NULL
);

CREATE TABLE care_checks (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    energy      INTEGER NOT NULL CHECK (energy BETWEEN 1 AND 5),
    stress      INTEGER NOT NULL CHECK (stress BETWEEN 1 AND 5),
    support     INTEGER NOT NULL CHECK (support BETWEEN 1 AND 5),
    hours       INTEGER NOT NULL CHECK (hours BETWEEN 0 AND 168),
    wants_talk  INTEGER NOT NULL CHECK (wants_talk IN (0, 1))
);

CREATE INDEX care_checks_by_user ON care_checks (user_id, created_at);
CREATE INDEX care_checks_by_time ON care_checks (created_at);

-- A worker asked to talk; the first coordinator to accept or propose a time takes it.
CREATE TABLE supervision_requests (
    id              INTEGER PRIMARY KEY,
    worker_id       INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    created_at      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'scheduled')),
    coordinator_id  INTEGER,
    updated_at      TEXT    NOT NULL
);

CREATE INDEX supervision_requests_by_status ON supervision_requests (status, worker_id);

-- The request messages sent to coordinators, so every copy can be updated when one acts.
CREATE TABLE supervision_request_messages (
    request_id      INTEGER NOT NULL REFERENCES supervision_requests (id) ON DELETE CASCADE,
    coordinator_id  INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    PRIMARY KEY (request_id, coordinator_id)
) WITHOUT ROWID;

-- A supervision session: one-to-one (from a request) or a coordinator's recurring group session.
-- Times as meetings store them (bot.domain.recurrence.Schedule).
CREATE TABLE supervision_sessions (
    id                INTEGER PRIMARY KEY,
    request_id        INTEGER REFERENCES supervision_requests (id) ON DELETE SET NULL,
    coordinator_id    INTEGER NOT NULL,
    first_start_local TEXT    NOT NULL,
    time_zone         TEXT    NOT NULL,
    duration_minutes  INTEGER NOT NULL,
    rrule             TEXT    NOT NULL DEFAULT '',
    cancelled         INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT    NOT NULL
);

CREATE TABLE supervision_participants (
    session_id  INTEGER NOT NULL REFERENCES supervision_sessions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)
) WITHOUT ROWID;

-- Reminders handled, as reminder_ledger does for meetings: each is sent (or skipped) once.
CREATE TABLE supervision_reminder_ledger (
    session_id        INTEGER NOT NULL REFERENCES supervision_sessions (id) ON DELETE CASCADE,
    occurrence_start  TEXT    NOT NULL,
    offset_minutes    INTEGER NOT NULL,
    outcome           TEXT    NOT NULL CHECK (outcome IN ('enqueued', 'skipped')),
    handled_at        TEXT    NOT NULL,
    PRIMARY KEY (session_id, occurrence_start, offset_minutes)
) WITHOUT ROWID;

-- "How are you after yesterday?": one per acknowledged crisis alert, sent once.
CREATE TABLE care_followups (
    alert_id   INTEGER PRIMARY KEY,
    worker_id  INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    due_at     TEXT    NOT NULL,
    sent_at    TEXT
);

-- An away period (local dates in the worker's zone, both included).
CREATE TABLE care_time_off (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    starts_at   TEXT    NOT NULL,   -- UTC instants of the local days' bounds
    ends_at     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    notified_at TEXT                -- when mentees and groups were told who to contact instead
);

CREATE INDEX care_time_off_by_user ON care_time_off (user_id, ends_at);
