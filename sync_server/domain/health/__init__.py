"""Health: is the database there, is the schema current, how much is stored."""
