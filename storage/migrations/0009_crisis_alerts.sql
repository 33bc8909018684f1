-- Issue 16. A crisis alert a member asked for: who was told, who is reaching out, and whether it
-- went up to the coordinators because no facilitator acknowledged it in time. The alert carries
-- only what the member agreed to share (their name, from people); never what they wrote.
CREATE TABLE crisis_alerts (
    id               INTEGER PRIMARY KEY,
    member_id        INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    created_at       TEXT    NOT NULL,
    escalate_at      TEXT    NOT NULL,   -- coordinators are told then, unless acknowledged before
    acknowledged_at  TEXT,
    acknowledged_by  INTEGER,            -- who is reaching out (a facilitator or a coordinator)
    escalated_at     TEXT
);

-- Open alerts are re-planned at start-up.
CREATE INDEX crisis_alerts_open ON crisis_alerts (escalate_at)
    WHERE acknowledged_at IS NULL AND escalated_at IS NULL;

-- The alert messages sent, so an acknowledgement can update every copy.
CREATE TABLE crisis_alert_messages (
    alert_id    INTEGER NOT NULL REFERENCES crisis_alerts (id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL,       -- the person alerted (their private chat has the same id)
    message_id  INTEGER NOT NULL,
    PRIMARY KEY (alert_id, recipient_id)
);
