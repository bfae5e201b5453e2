"""The media benchmark: `greenroom bench media`."""
