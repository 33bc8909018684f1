-- Reserved for the supporters (issue 24), built on its own branch at the same time as peer-worker
-- care (0012). Migrations must run 1..N without gaps, so this empty step keeps the care branch
-- runnable alone; the supporters' own 0011 replaces this file when both are merged.
SELECT 1;
