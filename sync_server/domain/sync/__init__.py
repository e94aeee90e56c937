"""Sync: terminals push their events here, applied exactly once; admins review the findings."""
