"""Server plumbing shared by every domain area: errors, security, ids and the clock."""
