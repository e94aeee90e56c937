"""Fixtures of the catalog tests: the shop of the pull tests."""

from tests.sync_server.pull.helpers import shop

__all__ = ("shop",)
