"""Stock locking: reservations by client id, transfers, scheduled job runs.

Owner while issue work is in flight: stock (issue 8).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 18:45:00
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
