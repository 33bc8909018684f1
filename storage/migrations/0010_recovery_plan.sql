-- Issue 17. A member's personal recovery plan and safety plan, in their own words.
-- Every text a member writes here is sealed (AES-256-GCM, bot/domain/sealing.py) before it is
-- stored, bound to its owner and field: a copied database file shows no plan text, and a row
-- moved to someone else does not open. The rows live as long as the member keeps them (no
-- retention purge); /forget deletes them, and so does the cascade from people.

-- When the weekly review comes, and the last review sent (so it is sent once, across restarts).
CREATE TABLE plan_reviews_schedule (
    user_id          INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    weekday          INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- Monday is 0
    local_time       TEXT    NOT NULL,   -- HH:MM on the member's wall clock
    timezone         TEXT    NOT NULL,   -- IANA name
    last_sent_day    TEXT,               -- local date of the last review sent (YYYY-MM-DD)
    updated_at       TEXT    NOT NULL
);

CREATE TABLE plan_goals (
    goal_id     INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    area        TEXT    NOT NULL CHECK (area IN
                    ('emotional', 'health', 'relationships', 'housing', 'work', 'independence')),
    measure     TEXT    NOT NULL CHECK (measure IN ('self', 'meetings', 'checkins', 'days')),
    target      INTEGER,             -- per week, for 'meetings' and 'checkins'
    goal_sealed BLOB    NOT NULL,    -- the goal in the member's words, sealed
    step_sealed BLOB,                -- the optional weekly step, sealed
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed')),
    shared_with INTEGER,             -- the peer mentor the member shared it with (revocable); NULL: nobody
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE INDEX plan_goals_by_user ON plan_goals (user_id, goal_id);

-- The member's answer for one goal in one review week (named by the review's local date).
CREATE TABLE plan_review_answers (
    goal_id     INTEGER NOT NULL REFERENCES plan_goals (goal_id) ON DELETE CASCADE,
    review_day  TEXT    NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('done', 'partly', 'not')),
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (goal_id, review_day)
);

CREATE TABLE safety_plan_sections (
    user_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    section     TEXT    NOT NULL CHECK (section IN ('warning_signs', 'coping', 'distractions', 'people',
                    'professionals', 'surroundings', 'reasons')),
    sealed      BLOB    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, section)
);
