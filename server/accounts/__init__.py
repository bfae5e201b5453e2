"""Recruiters' accounts: passwords, sign-in with its limits, and server-side sessions."""
