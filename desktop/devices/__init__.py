"""Device adapters of the till: scanners, receipt printer, cash drawer, customer display.

Each device sits behind a small interface with a fake beside the real adapter; which adapter
runs is a setting (:mod:`desktop.devices.settings`), chosen once by the till's bootstrap. No
module here imports Qt: the wedge event filter and the settings screen live in ``desktop.ui``.
"""
