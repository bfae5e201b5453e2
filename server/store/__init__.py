"""Persistence: SQLAlchemy Core on SQLite (default) or PostgreSQL, chosen by URL alone."""
