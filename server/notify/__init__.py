"""Mail to candidates: SMTP settings and sending, calendar invitations, and reminders."""
