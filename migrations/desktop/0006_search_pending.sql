-- Version 6: a first pull by snapshot builds the search index after the till is ready.
-- Owner: till sync (issue 7).
--
-- A snapshot makes the till ready to sell (items, barcodes, prices, users) in one
-- transaction with its cursor; the name-search index is then filled a chunk at a time in
-- the background through the single writer. search_pending says it is not complete yet
-- (search finds nothing meanwhile and the till says the index is being built); a till
-- stopped half-way starts the build again when it next starts.
ALTER TABLE sync_state ADD COLUMN search_pending INTEGER NOT NULL DEFAULT 0
    CHECK (search_pending IN (0, 1));
