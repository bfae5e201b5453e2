"""The service layer: what can be done with a check, for every audience. Handlers (`web/`) and
media sessions call it; it calls `store/` and the media service. It is the one writer of a
check's status."""
