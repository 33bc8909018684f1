-- Peer mentoring: mentors' profiles, members' requests, proposals awaiting consent, matches, and
-- pairs never to propose again.  Sets are stored as sorted comma-separated codes (focus areas,
-- language codes, availability slots "weekday-part"); they are only ever read whole.

CREATE TABLE mentor_profiles (
    user_id         INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    focus           TEXT    NOT NULL,
    recovery_since  TEXT    NOT NULL,            -- YYYY-MM-DD; months in recovery are derived
    languages       TEXT    NOT NULL,
    timezone        TEXT    NOT NULL,
    availability    TEXT    NOT NULL,
    capacity        INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 4),
    gender          TEXT,
    preferences     TEXT    NOT NULL DEFAULT '',
    intro           TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'retired')),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE mentor_requests (
    request_id         INTEGER PRIMARY KEY,
    member_id          INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    focus              TEXT    NOT NULL,
    languages          TEXT    NOT NULL,
    language_required  INTEGER NOT NULL DEFAULT 0,
    timezone           TEXT    NOT NULL,
    availability       TEXT    NOT NULL,
    gender_wish        TEXT    NOT NULL DEFAULT 'none' CHECK (gender_wish IN ('none', 'prefer', 'require')),
    gender             TEXT,                     -- the gender wished for (the member's own)
    status             TEXT    NOT NULL DEFAULT 'waiting'
                       CHECK (status IN ('waiting', 'matched', 'withdrawn')),
    requested_at       TEXT    NOT NULL,
    closed_at          TEXT
);

-- A member has at most one open request.
CREATE UNIQUE INDEX mentor_requests_open ON mentor_requests (member_id) WHERE status = 'waiting';
CREATE INDEX mentor_requests_by_status ON mentor_requests (status, requested_at);

CREATE TABLE mentor_proposals (
    proposal_id        INTEGER PRIMARY KEY,
    request_id         INTEGER NOT NULL REFERENCES mentor_requests (request_id) ON DELETE CASCADE,
    mentor_id          INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    status             TEXT    NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    proposed_at        TEXT    NOT NULL,
    expires_at         TEXT    NOT NULL,         -- the expiry job is rebuilt from this at start-up
    answered_at        TEXT,
    mentor_message_id  INTEGER                   -- the question sent to the mentor, to close it
);

-- A request waits on at most one mentor at a time.
CREATE UNIQUE INDEX mentor_proposals_pending ON mentor_proposals (request_id) WHERE status = 'pending';
CREATE INDEX mentor_proposals_by_status ON mentor_proposals (status, expires_at);
CREATE INDEX mentor_proposals_by_mentor ON mentor_proposals (mentor_id, status);

CREATE TABLE mentor_matches (
    match_id      INTEGER PRIMARY KEY,
    mentor_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    requested_at  TEXT    NOT NULL,              -- copied from the request: time-to-match survives it
    started_at    TEXT    NOT NULL,
    ended_at      TEXT,
    ended_by      INTEGER,                       -- who ended it (mentor or member id)
    end_reason    TEXT                           -- private: shown to coordinators only
);

CREATE UNIQUE INDEX mentor_matches_active_member ON mentor_matches (member_id) WHERE ended_at IS NULL;
CREATE INDEX mentor_matches_by_mentor ON mentor_matches (mentor_id, ended_at);

-- Pairs never proposed again: a decline or an unanswered proposal.
CREATE TABLE mentor_declined_pairs (
    mentor_id  INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    reason     TEXT    NOT NULL CHECK (reason IN ('declined', 'expired')),
    at         TEXT    NOT NULL,
    PRIMARY KEY (mentor_id, member_id)
) WITHOUT ROWID;

CREATE INDEX mentor_declined_pairs_by_member ON mentor_declined_pairs (member_id);
