-- Version 2: held sales survive a restart, and reports by day get an index.
-- (Version 1 kept held carts in memory only; a power cut lost them.)

CREATE TABLE held_sales (
    hold_id   TEXT PRIMARY KEY,
    held_at   TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users (user_id),
    label     TEXT NOT NULL,
    cart_json TEXT NOT NULL
) STRICT;

CREATE INDEX sales_created ON sales (created_at);

ALTER TABLE users ADD COLUMN last_login_at TEXT;
