-- Version 4: completed sales voided after the fact, with a supervisor's approval (issue 5).
-- The invoice keeps its row and its number (a GST series has no gaps); this row marks it
-- cancelled, and the X/Z reports leave it out of sales and count it as a void.
CREATE TABLE voided_sales (
    sale_id      TEXT PRIMARY KEY REFERENCES sales (sale_id),
    shift_id     TEXT NOT NULL REFERENCES shifts (shift_id),
    user_id      TEXT NOT NULL REFERENCES users (user_id),
    approved_by  TEXT NOT NULL REFERENCES users (user_id),
    reason       TEXT NOT NULL CHECK (length(reason) > 0),
    amount_paise INTEGER NOT NULL,
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX voided_sales_shift ON voided_sales (shift_id);
