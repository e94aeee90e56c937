"""Sync push: quarantine, terminal sync state, exception details, price versions.

Owner while issue work is in flight: push (issue 4).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 18:45:00
"""

from __future__ import annotations

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
