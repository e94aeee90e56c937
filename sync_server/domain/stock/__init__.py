"""Stock: the ledger of signed movements, levels per store, reservations and transfers."""
