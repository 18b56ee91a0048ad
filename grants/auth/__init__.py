"""Users, roles, sign-in and the administration of accounts."""
