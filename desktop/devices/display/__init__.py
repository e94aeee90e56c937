"""Customer-facing displays: a serial pole display (2 x 20 characters) and a fake.

A second Qt window for a customer-facing monitor lives in :mod:`desktop.ui.customer_display`
and takes the same :class:`DisplayLines`.
"""

from desktop.devices.display.pole import (
    CustomerDisplay,
    DisplayLines,
    FakeCustomerDisplay,
    PoleDisplay,
    PoleSettings,
    pole_lines,
)

__all__ = (
    "CustomerDisplay",
    "DisplayLines",
    "FakeCustomerDisplay",
    "PoleDisplay",
    "PoleSettings",
    "pole_lines",
)
