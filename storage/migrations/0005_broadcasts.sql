-- Announcements from facilitators and coordinators, people's preferences, and each group's
-- directory of resources. Deliveries of an announcement are rows of the outbox (batch broadcast:{id}).

CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    sender_id       INTEGER NOT NULL,          -- who wrote it; the delivery report goes to them
    text            TEXT    NOT NULL,          -- the announcement body, HTML (escaped at entry)
    photo           TEXT,                      -- Telegram file_id
    document        TEXT,                      -- Telegram file_id
    targets         TEXT    NOT NULL,          -- JSON array of group chat ids
    private_copies  INTEGER NOT NULL DEFAULT 0,  -- 1: opted-in members of the targets get it privately
    recipients      INTEGER NOT NULL DEFAULT 0,  -- deliveries enqueued
    created_at      TEXT    NOT NULL,
    reported_at     TEXT                       -- when the delivery report was queued for the sender
);

CREATE INDEX broadcasts_by_sender ON broadcasts (sender_id, id);
CREATE INDEX broadcasts_unreported ON broadcasts (id) WHERE reported_at IS NULL;

-- One row per person and preference; absent means the feature's default.
CREATE TABLE preferences (
    user_id     INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE INDEX preferences_by_key ON preferences (key, value, user_id);

CREATE TABLE resources (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    category     TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    phone        TEXT    NOT NULL DEFAULT '',
    link         TEXT    NOT NULL DEFAULT '',
    hours        TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

CREATE INDEX resources_by_group ON resources (chat_id, category, name);
