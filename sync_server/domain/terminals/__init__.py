"""Terminals: one-time enrolment codes, terminal credentials, revocation."""
