"""The WebRTC side: peer lifecycle, analysing tracks, pure analysis and the verdict rules."""
