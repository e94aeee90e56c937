"""Database access for the sync server: engines, sessions, models and the embedded server."""
