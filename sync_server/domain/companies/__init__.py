"""Companies (tenants, plans, suspension) and their stores."""
