-- A durable queue of messages to send: reminders, broadcasts, digests. One row per recipient.
-- The key is an idempotency key: enqueueing the same delivery twice is a no-op, forever.

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL,           -- reminder, broadcast, digest, ...
    batch         TEXT,                       -- groups rows for progress and reports, e.g. broadcast:12
    chat_id       INTEGER NOT NULL,
    text          TEXT    NOT NULL,           -- HTML (or the caption of a photo/document)
    reply_markup  TEXT,                       -- InlineKeyboardMarkup as JSON
    photo         TEXT,                       -- Telegram file_id
    document      TEXT,                       -- Telegram file_id
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unreachable', 'cancelled')),
    not_before    TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,                       -- an error class and Telegram's description, never text
    message_id    INTEGER,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE INDEX outbox_due ON outbox (not_before, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_batch ON outbox (batch, status) WHERE batch IS NOT NULL;
CREATE INDEX outbox_chat ON outbox (chat_id, status);
