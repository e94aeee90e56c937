-- Version 5: the first catalog pull projects once, at its end. Owner: till sync (issue 7).
--
-- While a till has no catalog yet, pull pages go into the sync_* mirror tables only (each
-- page with its cursor, as always); the sale tables and the search index are built from
-- the whole mirror in the transaction of the last page. catalog_pending says a first pull
-- is under way, so a till stopped half-way finishes the same way when it resumes.
ALTER TABLE sync_state ADD COLUMN catalog_pending INTEGER NOT NULL DEFAULT 0
    CHECK (catalog_pending IN (0, 1));
