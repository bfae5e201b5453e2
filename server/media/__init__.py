"""Media: everything from the browser's RTP to a verdict.

`rtc/` touches aiortc and aioice (its private parts only through `rtc/internals.py`);
`analysis/` is pure numpy; `verdict/` turns numbers into the Result; `session/` runs one
candidate's check on one peer connection; `workers/` spreads sessions over processes.
"""
