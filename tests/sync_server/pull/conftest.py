"""Fixtures of the pull tests (the shop lives in ``helpers`` so catalog tests share it)."""

from tests.sync_server.pull.helpers import shop

__all__ = ("shop",)
