"""Users, roles, sign-in and account management."""
