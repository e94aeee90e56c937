"""Galla shared package."""
