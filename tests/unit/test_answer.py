"""The answer tells the browser's video encoder where to start."""

from __future__ import annotations

from server.media.rtc.sdp import with_start_bitrate

ANSWER = "\r\n".join(
    [
        "v=0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102",
        "a=rtpmap:96 VP8/90000",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=rtpmap:102 H264/90000",
        "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f",
        "",
    ]
)


def test_every_video_codec_starts_at_the_given_rate_and_nothing_else_changes() -> None:
    lines = with_start_bitrate(ANSWER, 1000).split("\r\n")
    assert "a=fmtp:96 x-google-start-bitrate=1000" in lines
    assert (
        lines[lines.index("a=rtpmap:96 VP8/90000") + 1] == "a=fmtp:96 x-google-start-bitrate=1000"
    )
    assert (
        "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1000"
        in lines
    )
    assert "a=fmtp:97 apt=96" in lines, "retransmission is not a codec"
    assert "a=fmtp:111 minptime=10;useinbandfec=1" in lines, "audio is left alone"
    assert len(lines) == len(ANSWER.split("\r\n")) + 1


def test_an_answer_without_video_is_unchanged() -> None:
    audio_only = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
    assert with_start_bitrate(audio_only) == audio_only
