"""The row-level-security statements every new tenant table needs, for migrations to call.

The initial migration protects its tables inline; later migrations call
:func:`protect_tenant_table` for each table they create, so every tenant table gets the
same grants and the same two policies (see ``sync_server/db/session.py``).
"""

from __future__ import annotations

from alembic import op

__all__ = ("TENANT_PREDICATE", "protect_tenant_table")

TENANT_PREDICATE = "company_id = NULLIF(current_setting('galla.company_id', true), '')::uuid"


def protect_tenant_table(table: str) -> None:
    """Grant ``table`` to both roles, and ENABLE and FORCE RLS with the tenant policy on it."""
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO galla_app, galla_platform")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} TO galla_app "
        f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"CREATE POLICY platform_access ON {table} TO galla_platform USING (true)")
