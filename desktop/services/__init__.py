"""The till's use cases: ring up, tender, return, shifts and cash, login and approvals.

Services work over the ports in :mod:`desktop.services.ports`; they never import Qt, sqlite3
or a device driver. :mod:`desktop.bootstrap` wires them to real or fake adapters.
"""
