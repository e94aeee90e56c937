"""Accounts: sign-in, tokens, users, roles and cashier PINs."""
