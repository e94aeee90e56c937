"""The till's pure sale engine: carts, discounts, tender, returns, shifts, audit chain.

Nothing here imports Qt or sqlite3 or reads the clock: values in, values out, with time and
ids passed in by the services. Money, GST, barcodes and numbering come from ``shared``.
"""
