-- Galla till schema, version 1.
-- Money is INTEGER paise; quantities and tax rates are exact decimal TEXT ('1.500', '18');
-- times are ISO-8601 UTC TEXT. Catalog, tax rates and users are server-owned copies.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE tax_rates (
    hsn            TEXT NOT NULL,
    effective_from TEXT NOT NULL,            -- ISO date the rate starts
    rate           TEXT NOT NULL,            -- GST percent, e.g. '18' or '0.25'
    PRIMARY KEY (hsn, effective_from)
) STRICT;

CREATE TABLE items (
    item_id        TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,     -- the shop's own item code / PLU
    name           TEXT NOT NULL,
    hsn            TEXT NOT NULL,
    price_paise    INTEGER NOT NULL CHECK (price_paise >= 0),
    tax_inclusive  INTEGER NOT NULL DEFAULT 1 CHECK (tax_inclusive IN (0, 1)),
    unit           TEXT NOT NULL DEFAULT 'pcs',
    weighed        INTEGER NOT NULL DEFAULT 0 CHECK (weighed IN (0, 1)),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE barcodes (
    barcode TEXT PRIMARY KEY,                -- canonical GTIN or variable-measure lookup key
    item_id TEXT NOT NULL REFERENCES items (item_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX barcodes_item ON barcodes (item_id);

-- search-as-you-type over name, code and barcodes; kept in step by the store on upsert
CREATE VIRTUAL TABLE items_fts USING fts5 (
    item_id UNINDEXED, name, code, barcodes,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
);

CREATE TABLE users (
    user_id          TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('cashier', 'supervisor')),
    pin_hash         TEXT NOT NULL,           -- argon2id
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

-- per-terminal document series: 'invoice' and 'credit_note', reset each financial year
CREATE TABLE series (
    kind        TEXT NOT NULL,
    fy          TEXT NOT NULL,                -- e.g. '2526'
    last_number INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, fy)
) STRICT;

CREATE TABLE shifts (
    shift_id            TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (user_id),
    opened_at           TEXT NOT NULL,
    opening_float_paise INTEGER NOT NULL CHECK (opening_float_paise >= 0),
    closed_at           TEXT,
    closed_by           TEXT REFERENCES users (user_id),
    z_number            INTEGER UNIQUE,
    counted_paise       INTEGER,
    expected_paise      INTEGER,
    counts_json         TEXT,                  -- denomination -> count at close
    report_json         TEXT                   -- the Z report as computed at close
) STRICT;
-- at most one open shift per till
CREATE UNIQUE INDEX shifts_one_open ON shifts ((closed_at IS NULL)) WHERE closed_at IS NULL;

CREATE TABLE sales (
    sale_id          TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,    -- invoice or credit-note number
    kind             TEXT NOT NULL CHECK (kind IN ('sale', 'return')),
    original_sale_id TEXT REFERENCES sales (sale_id),
    shift_id         TEXT NOT NULL REFERENCES shifts (shift_id),
    user_id          TEXT NOT NULL REFERENCES users (user_id),
    created_at       TEXT NOT NULL,
    customer_phone   TEXT,
    customer_gstin   TEXT,
    total_paise      INTEGER NOT NULL,        -- amount paid (sale) or refunded (return)
    tax_paise        INTEGER NOT NULL,
    discount_paise   INTEGER NOT NULL,
    round_off_paise  INTEGER NOT NULL,
    document_json    TEXT NOT NULL            -- the full document, for reprints and returns
) STRICT;
CREATE INDEX sales_shift ON sales (shift_id);
CREATE INDEX sales_original ON sales (original_sale_id);

CREATE TABLE sale_lines (
    sale_id         TEXT NOT NULL REFERENCES sales (sale_id),
    line_no         INTEGER NOT NULL,
    item_id         TEXT NOT NULL,
    name            TEXT NOT NULL,
    hsn             TEXT NOT NULL,
    rate            TEXT NOT NULL,
    quantity        TEXT NOT NULL,
    unit_price_paise INTEGER NOT NULL,
    discount_paise  INTEGER NOT NULL,
    taxable_paise   INTEGER NOT NULL,
    tax_paise       INTEGER NOT NULL,
    total_paise     INTEGER NOT NULL,
    original_line_no INTEGER,                 -- for a return: the sold line it gives back
    PRIMARY KEY (sale_id, line_no)
) STRICT;

CREATE TABLE payments (
    sale_id      TEXT NOT NULL REFERENCES sales (sale_id),
    seq          INTEGER NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('cash', 'card', 'upi')),
    amount_paise INTEGER NOT NULL,            -- negative for refunds
    reference    TEXT,
    PRIMARY KEY (sale_id, seq)
) STRICT;

CREATE TABLE cash_movements (
    movement_id  TEXT PRIMARY KEY,
    shift_id     TEXT NOT NULL REFERENCES shifts (shift_id),
    kind         TEXT NOT NULL CHECK (kind IN ('in', 'out', 'no_sale')),
    amount_paise INTEGER NOT NULL CHECK (amount_paise >= 0),
    reason       TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (user_id),
    approved_by  TEXT REFERENCES users (user_id),
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX cash_movements_shift ON cash_movements (shift_id);

-- voids and overrides are facts too: kept for the X/Z reports
CREATE TABLE sale_voids (
    void_id     TEXT PRIMARY KEY,
    shift_id    TEXT NOT NULL REFERENCES shifts (shift_id),
    kind        TEXT NOT NULL CHECK (kind IN ('line', 'sale')),
    amount_paise INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    approved_by TEXT,
    at          TEXT NOT NULL
) STRICT;

-- every event for the server, in the order it happened; AUTOINCREMENT so seq never reuses
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    payload    BLOB NOT NULL,                  -- msgspec JSON of a shared.protocol event
    created_at TEXT NOT NULL,
    sent_at    TEXT
) STRICT;
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;

-- the append-only, hash-chained audit log (each entry also travels in the outbox)
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    at         TEXT NOT NULL,
    action     TEXT NOT NULL,
    user_id    TEXT,
    approved_by TEXT,
    detail     TEXT NOT NULL,                  -- canonical JSON
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
) STRICT;
