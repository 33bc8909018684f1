-- A meeting card is edited by one process at a time (several processes on PostgreSQL) without a
-- row lock held across the Telegram edit (which may wait on the group's budget): a process
-- claims the card until editor_until (milliseconds of real time, so a dead editor's claim
-- lapses), and a press handled elsewhere meanwhile only marks the card stale, which the editor
-- renders and shows again before it lets go.
ALTER TABLE meeting_announcements ADD COLUMN editor TEXT;
ALTER TABLE meeting_announcements ADD COLUMN editor_until INTEGER;
ALTER TABLE meeting_announcements ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
