"""`POST /c/{token}/fallback`: the numbers of a check the browser had to run alone.

The page measures its camera picture (canvas) and microphone (WebAudio) when WebRTC cannot reach
the server; the same rules judge them, marked as the browser's (docs/protocol.md).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from server.models.base import Body, Contract


class LocalCamera(Contract):
    frames: int = Field(ge=0, le=10_000)
    duration_s: float = Field(ge=0, le=60)
    fps: float | None = Field(None, ge=0, le=240)
    width: int = Field(ge=0, le=8192)
    height: int = Field(ge=0, le=8192)
    mean_luma: float | None = Field(None, ge=0, le=255)
    center_luma: float | None = Field(None, ge=0, le=255)
    border_luma: float | None = Field(None, ge=0, le=255)
    overexposed_fraction: float | None = Field(None, ge=0, le=1)
    contrast: float | None = Field(None, ge=0, le=255)

    @model_validator(mode="after")
    def _light_with_frames(self) -> Self:
        light = (
            self.mean_luma,
            self.center_luma,
            self.border_luma,
            self.overexposed_fraction,
            self.contrast,
        )
        if self.frames and any(value is None for value in light):
            raise ValueError("a camera with frames needs every light figure")
        return self


class LocalMicrophone(Contract):
    windows: int = Field(ge=1, le=10_000)
    rms_dbfs: float = Field(ge=-120, le=0)
    peak_dbfs: float = Field(ge=-120, le=0)
    noise_floor_dbfs: float = Field(ge=-120, le=0)
    clipping_fraction: float = Field(ge=0, le=1)


class LocalCheck(Body):
    error_code = "invalid_fallback"

    why: Literal["blocked", "busy"]
    """blocked: WebRTC could not connect; busy: every media slot was in use, after waiting."""
    camera: LocalCamera | None = None
    microphone: LocalMicrophone | None = None
