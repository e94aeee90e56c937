"""The catalog admin area: products, barcodes, prices, GST rates, CSV import."""
