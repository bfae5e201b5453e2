"""Webhooks: signed deliveries of check events to an organisation's own endpoints."""
