"""Business areas of the server, each split into controllers, services and schemas."""
