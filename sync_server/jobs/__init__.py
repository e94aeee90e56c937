"""Scheduled jobs: what they do (``tasks``), how exactly one process runs each tick (``runner``)."""
