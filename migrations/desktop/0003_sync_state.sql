-- Version 3: sync state (enrolment, pull cursor, push results). Owner: till sync (issue 7).
SELECT 1;
