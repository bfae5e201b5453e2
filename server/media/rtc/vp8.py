"""What a VP8 frame's first bytes say, without decoding it (RFC 6386, section 9.1)."""

from __future__ import annotations

KEYFRAME_START_CODE = b"\x9d\x01\x2a"


def is_keyframe(frame: bytes) -> bool:
    """Bit 0 of the frame tag is 0 on a keyframe, which decodes on its own."""
    return len(frame) >= 10 and frame[0] & 1 == 0 and frame[3:6] == KEYFRAME_START_CODE


def keyframe_size(frame: bytes) -> tuple[int, int] | None:
    """(width, height) from a keyframe's header; None for any other frame."""
    if not is_keyframe(frame):
        return None
    # 14 bits each, little-endian; the top two bits are a scaling hint.
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    return width, height
