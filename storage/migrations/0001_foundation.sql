-- Groups the bot has been added to, the people it has met, and who belongs where.

CREATE TABLE groups (
    chat_id      INTEGER PRIMARY KEY,          -- Telegram chat id (negative for groups)
    title        TEXT    NOT NULL,
    timezone     TEXT    NOT NULL,             -- IANA name; meetings are wall-clock times in it
    language     TEXT    NOT NULL DEFAULT 'en',
    active       INTEGER NOT NULL DEFAULT 1,   -- 0 once the bot was removed
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

CREATE TABLE people (
    user_id            INTEGER PRIMARY KEY,    -- Telegram user id
    first_name         TEXT    NOT NULL,
    username           TEXT,
    language           TEXT,                   -- chosen with /language; NULL follows Telegram
    telegram_language  TEXT,                   -- language_code Telegram last reported
    private_chat       INTEGER NOT NULL DEFAULT 0,  -- 1 once they wrote to the bot privately
    reachable          INTEGER NOT NULL DEFAULT 1,  -- 0 after "bot was blocked by the user"
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);

CREATE TABLE memberships (
    chat_id    INTEGER NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    joined_at  TEXT    NOT NULL,
    left_at    TEXT,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

CREATE INDEX memberships_by_user ON memberships (user_id, chat_id);
