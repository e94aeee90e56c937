"""Galla sync server: the company's source of truth that every till reconciles into.

Layout (one composition root, :func:`sync_server.app.create_app`):

* ``domain/<area>/{controllers,services,schemas}.py`` for ``accounts`` (sign-in, tokens,
  users, roles, PINs), ``companies`` (tenants, plan limits, stores), ``terminals``
  (enrolment, revocation) and ``health``. Controllers are thin; services never import
  Litestar; schemas are msgspec structs that refuse unknown fields.
* ``db/`` models, the Alembic driver (``migrate.py``), sessions (``session.py``: the tenant
  and platform transactions and row-level security) and the embedded PostgreSQL.
* ``lib/`` the exception tree and its problem-details mapping, security (argon2id, JWT,
  keyed digests), the clock, ids and the HTTP edge (``web.py``).
"""
