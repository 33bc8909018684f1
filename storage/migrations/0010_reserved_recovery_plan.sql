-- Reserved for the recovery plan (issue 17), built on its own branch at the same time as the
-- supporters (0011). Migrations must run 1..N without gaps, so this empty step keeps the
-- supporters branch runnable alone; the plan's own 0010 replaces this file when both are merged.
SELECT 1;
