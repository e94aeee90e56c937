-- Version 3: sync state (enrolment, pull cursor, push results). Owner: till sync (issue 7).
--
-- The till's copy of server-owned data is kept twice: as the server sent it (the sync_*
-- mirror tables, keyed by the server's entity id and version, so tombstones, stale changes
-- and prices that start later can be handled) and projected into the tables the sale
-- engine reads (items, barcodes, tax_rates, users). Applying a pull page and storing its
-- cursor is one transaction.

-- the one enrolment of this till (row id 1); the credential itself is in the OS keyring
-- or in a file readable only by the user, never here
CREATE TABLE sync_enrolment (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    server_url            TEXT NOT NULL,
    company_id            TEXT NOT NULL,
    store_id              TEXT NOT NULL,
    terminal_id           TEXT NOT NULL,
    server_terminal_code  TEXT NOT NULL,      -- the server's code, e.g. 'T01'
    invoice_terminal_code TEXT NOT NULL,      -- its two-character form in invoice numbers
    credential_backend    TEXT NOT NULL CHECK (credential_backend IN ('keyring', 'file')),
    credential_ref        TEXT NOT NULL,      -- keyring user name, or the file's path
    enrolled_at           TEXT NOT NULL,
    revoked_at            TEXT,               -- set when the server refused the credential
    revoked_reason        TEXT
) STRICT;

-- where pulling and pushing stand (row id 1)
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    pull_cursor     TEXT,                     -- next_cursor of the last page applied
    catalog_ready   INTEGER NOT NULL DEFAULT 0 CHECK (catalog_ready IN (0, 1)),
    repriced_at     TEXT,                     -- prices resolved for this moment (UTC)
    last_push_at    TEXT,
    last_pull_at    TEXT,
    last_contact_at TEXT,                     -- the last answer from the server of any kind
    last_error      TEXT
) STRICT;
INSERT INTO sync_state (id) VALUES (1);

-- what the server said about each pushed event; rejected ones stay visible with the reason
ALTER TABLE outbox ADD COLUMN ack TEXT CHECK (ack IN ('applied', 'duplicate', 'rejected'));
ALTER TABLE outbox ADD COLUMN ack_reason TEXT;
CREATE INDEX outbox_rejected ON outbox (seq) WHERE ack = 'rejected';

-- ---------------------------------------------------------------- mirrors of server data
CREATE TABLE sync_products (
    entity_id          TEXT PRIMARY KEY,
    version            INTEGER NOT NULL,
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    hsn                TEXT NOT NULL,
    unit               TEXT NOT NULL,
    price_includes_tax INTEGER NOT NULL CHECK (price_includes_tax IN (0, 1)),
    mrp_paise          INTEGER,
    active             INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE sync_barcodes (
    entity_id  TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    product_id TEXT NOT NULL,
    code       TEXT NOT NULL,                 -- as the server sent it
    lookup_key TEXT NOT NULL,                 -- the till's canonical key (shared.barcode)
    quantity   TEXT NOT NULL                  -- units one scan sells ('1', '12')
) STRICT;
CREATE INDEX sync_barcodes_product ON sync_barcodes (product_id);

CREATE TABLE sync_prices (
    entity_id        TEXT PRIMARY KEY,
    version          INTEGER NOT NULL,
    product_id       TEXT NOT NULL,
    store_id         TEXT,                    -- NULL: every store without its own price
    unit_price_paise INTEGER NOT NULL,
    effective_from   TEXT NOT NULL,           -- UTC, fixed width, so text order is time order
    effective_until  TEXT
) STRICT;
CREATE INDEX sync_prices_product ON sync_prices (product_id, effective_from);

-- moments after which a product's price in force changes (a price that starts or ends
-- later than when it was pulled); the worker re-projects those products once the moment
-- passes. Kept apart so the big price table carries one index only.
CREATE TABLE sync_price_boundaries (
    at         TEXT NOT NULL,                 -- UTC, fixed width (as sync_prices)
    product_id TEXT NOT NULL,
    PRIMARY KEY (at, product_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_gst_rates (
    entity_id      TEXT PRIMARY KEY,
    version        INTEGER NOT NULL,
    hsn            TEXT NOT NULL,
    rate           TEXT NOT NULL,
    cess_rate      TEXT NOT NULL,
    effective_from TEXT NOT NULL,             -- ISO date
    effective_to   TEXT
) STRICT;
CREATE INDEX sync_gst_rates_hsn ON sync_gst_rates (hsn);

CREATE TABLE sync_users (
    entity_id TEXT PRIMARY KEY,
    version   INTEGER NOT NULL,
    code      TEXT NOT NULL,
    name      TEXT NOT NULL,
    role      TEXT NOT NULL,                  -- the server's role (cashier/supervisor/manager)
    pin_hash  TEXT NOT NULL,
    store_ids TEXT NOT NULL,                  -- JSON array of store ids
    active    INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE sync_store_settings (
    entity_id TEXT PRIMARY KEY,               -- the store's id
    version   INTEGER NOT NULL,
    data      TEXT NOT NULL                   -- StoreSettingsData as protocol JSON
) STRICT;

-- deletions seen, with the version that deleted, so an older upsert arriving after the
-- delete is recognised and skipped (upserts over upserts compare the mirror's version)
CREATE TABLE sync_tombstones (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    version   INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT, WITHOUT ROWID;
