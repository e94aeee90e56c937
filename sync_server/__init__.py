"""Galla sync server: the company's source of truth that every till reconciles into."""
