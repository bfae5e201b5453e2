"""The check while it runs: one calm live region, camera and microphone pickers that follow the
devices and are remembered, and "say your name" played back once, never live, never uploaded."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Request, expect

from server.bench.server import Server
from tests.e2e.conftest import (
    ARTIFACTS,
    CHROMIUM_FLAGS,
    DESKTOP,
    PHONE,
    MediaFiles,
    PageCheck,
    Snap,
    launched_chromium,
    run_check,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

# Watches what the page does with media: every play() and the source it played, every Blob it
# turned into a URL, every getUserMedia call and stream, every peer connection, the metrics
# messages the server sent, and every change of the live region.
WATCH_MEDIA = """
(() => {
  const watched = {
    plays: [], blobs: [], constraints: [], streams: [], peers: [], announced: [], metrics: 0,
  };
  window.__watched = watched;
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    const audible = !this.muted && this.volume > 0;
    const source = this.srcObject ? "stream" : this.src.split(":")[0];
    const remoteAudio = !!this.srcObject && this.srcObject.getAudioTracks().some(
      (track) => watched.peers.some((pc) =>
        pc.getReceivers().some((receiver) => receiver.track === track)));
    watched.plays.push({ source, audible, remoteAudio });
    return play.call(this);
  };
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    watched.blobs.push(blob);
    return createObjectURL(blob);
  };
  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    watched.constraints.push(JSON.parse(JSON.stringify(constraints)));
    const stream = await getUserMedia(constraints);
    watched.streams.push(stream);
    return stream;
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      watched.peers.push(this);
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      channel.addEventListener("message", (event) => {
        if (JSON.parse(event.data).type === "metrics") watched.metrics += 1;
      });
      return channel;
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    const region = document.querySelector("[aria-live]");
    new MutationObserver(() => watched.announced.push(region.textContent)).observe(region, {
      childList: true, subtree: true, characterData: true,
    });
  });
})();
"""

# The decoded recording: its length and level, measured in the page.
MEASURE_RECORDING = """
async () => {
  const [blob] = window.__watched.blobs;
  const audio = new AudioContext();
  const decoded = await audio.decodeAudioData(await blob.arrayBuffer());
  const samples = decoded.getChannelData(0);
  let sum = 0;
  for (const value of samples) sum += value * value;
  await audio.close();
  return {
    blobs: window.__watched.blobs.length,
    type: blob.type,
    seconds: decoded.duration,
    dbfs: 10 * Math.log10(sum / samples.length),
  };
}
"""


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def two_camera_chromium(media_files: MediaFiles) -> AsyncIterator[Browser]:
    """Chromium with two fake cameras (its own test patterns) and the clear voice.

    Only the first camera's picture reaches the server: Chromium's encoder sends none of the
    second one's frames (framesEncoded stays 0), so tests read brightness from the first only.
    """
    flags = [
        *(flag for flag in CHROMIUM_FLAGS if flag != "--use-fake-device-for-media-stream"),
        "--use-fake-device-for-media-stream=device-count=2",
        f"--use-file-for-fake-audio-capture={media_files.speech}",
    ]
    async with launched_chromium(flags) as browser:
        yield browser


async def test_say_your_name_is_played_back_once_never_live_never_uploaded(
    chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP)
    posted: list[tuple[str, int]] = []

    def on_request(request: Request) -> None:
        if request.method != "GET":
            posted.append((request.url.rsplit("/", 1)[-1], len(request.post_data_buffer or b"")))

    try:
        await context.add_init_script(WATCH_MEDIA)
        page = await context.new_page()
        page.on("request", on_request)
        await page.goto(check["candidate_url"])
        started = time.monotonic()
        # When each stage came, for people to read; nothing below depends on how long they took.
        timings: dict[str, float] = {}

        def reached(stage: str) -> None:
            timings[stage] = round(time.monotonic() - started, 2)

        async def listening_to_the_playback() -> None:
            await expect(page.get_by_test_id("brightness")).to_contain_text("good", timeout=15_000)
            reached("first_live_reading_s")
            await expect(page.get_by_text("Now say your name")).to_be_visible()
            await snap(page, "running-desktop")
            speakers = page.get_by_test_id("speakers-step")
            await expect(speakers).to_have_attribute("data-voice", "playing", timeout=20_000)
            reached("speakers_step_s")
            await expect(speakers).to_contain_text("this is how you sound to the interviewer")
            await snap(page, "say-your-name-playback-desktop")
            await expect(speakers).to_have_attribute("data-voice", "played", timeout=20_000)
            reached("playback_done_s")
            await expect(speakers).to_contain_text("playing a short chime")

        # A candidate who listens to themselves, then hears the chime and says so.
        await run_check(page, before_confirm=listening_to_the_playback)
        reached("verdict_s")
        recording = await page.evaluate(MEASURE_RECORDING)
        plays: list[dict[str, Any]] = await page.evaluate("window.__watched.plays")
    finally:
        await context.close()

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timings-page-listening.json").write_text(json.dumps(timings))
    print(f"start to verdict, listening to the playback: {timings}")
    # The candidate's own words, a few seconds of them at about the level they were spoken
    # (-20 dBFS while speaking, with pauses): what the interviewer would hear.
    assert recording["blobs"] == 1
    assert 2.5 < recording["seconds"] < 15, recording
    assert -32 < recording["dbfs"] < -18, recording
    assert [play["source"] for play in plays if play["audible"]].count("blob") == 1, plays
    # The looped-back sound goes to an element only muted (Chromium decodes remote audio only
    # for an element), so it is never heard live.
    assert not [play for play in plays if play["remoteAudio"] and play["audible"]], plays
    # Nothing but the offer (a few KB of SDP) was sent anywhere.
    assert [name for name, _ in posted] == ["offer"], posted
    assert all(size < 20_000 for _, size in posted), posted


async def test_one_calm_live_region(
    chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    check = page_check(server)
    context = await chromium.new_context(viewport=DESKTOP)
    try:
        await context.add_init_script(WATCH_MEDIA)
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        assert await page.locator("[aria-live]").count() == 1
        assert await page.locator("[role=alert], [role=status], [role=log]").count() == 0

        async def while_the_recording_plays() -> None:
            await expect(page.get_by_test_id("speakers-step")).to_have_attribute(
                "data-voice", "playing", timeout=20_000
            )

        # Answered while the recording plays: the recording stops, and no chime follows.
        await run_check(page, before_confirm=while_the_recording_plays)
        # Metrics keep coming after the verdict (the preview still plays): none is announced.
        metrics = await page.evaluate("window.__watched.metrics")
        await page.wait_for_function(
            "(seen) => window.__watched.metrics >= seen + 2", arg=metrics, timeout=15_000
        )
        announced: list[str] = await page.evaluate("window.__watched.announced")
        plays: list[dict[str, Any]] = await page.evaluate("window.__watched.plays")
    finally:
        await context.close()
    # Start, the three measured checks with the playback, the answer, the verdict: each once,
    # never the metrics several times a second.
    assert 4 <= len(announced) <= 8, announced
    assert announced[-1].startswith("Camera: Looks good"), announced
    assert [play["source"] for play in plays if play["audible"]] == ["blob"], plays


async def test_pickers_switch_devices_cleanly_and_remember_them(
    two_camera_chromium: Browser, server: Server, page_check: PageCheck, snap: Snap
) -> None:
    check = page_check(server)
    context = await two_camera_chromium.new_context(viewport=PHONE, is_mobile=True)
    try:
        await context.add_init_script(WATCH_MEDIA)
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        camera = page.get_by_test_id("camera-picker")
        await expect(camera.locator("option")).to_have_text(["fake_device_0", "fake_device_1"])
        await expect(camera).to_have_value(
            await page.evaluate(
                "window.__watched.streams[0].getVideoTracks()[0].getSettings().deviceId"
            )
        )
        first = await page.evaluate("window.__watched.constraints[0]")
        assert first["video"]["facingMode"] == "user", "the front camera unless one was chosen"
        await snap(page, "pickers-phone")

        await expect(page.get_by_test_id("brightness")).to_contain_text("(", timeout=15_000)
        await camera.focus()
        await camera.select_option(label="fake_device_1")
        # A new run with the chosen camera; the old one is gone: stream stopped, connection closed.
        await page.wait_for_function("() => window.__watched.streams.length === 2")
        await expect(camera).to_be_focused()
        state = await page.evaluate(
            """() => {
              const [old, now] = window.__watched.streams;
              return {
                oldTracks: old.getTracks().map((track) => track.readyState),
                camera: now.getVideoTracks()[0].label,
                peers: window.__watched.peers.map((pc) => pc.connectionState),
              };
            }"""
        )
        assert state["oldTracks"] == ["ended", "ended"], state
        assert state["camera"] == "fake_device_1", state
        assert state["peers"][0] == "closed", state

        microphone = page.get_by_test_id("microphone-picker")
        await microphone.select_option(label="Fake Audio Input 1")
        await page.wait_for_function("() => window.__watched.streams.length === 3")
        await expect(page.get_by_test_id("speakers-step")).to_be_hidden()

        # Remembered on this device: the next visit asks for the same camera and microphone.
        again = await context.new_page()
        await again.goto(check["candidate_url"])
        await again.get_by_test_id("start-check").click()
        await again.wait_for_function("() => window.__watched.streams.length === 1")
        await expect(again.get_by_test_id("camera-picker")).to_have_value(
            await again.evaluate(
                "window.__watched.streams[0].getVideoTracks()[0].getSettings().deviceId"
            ),
            timeout=10_000,
        )
        constraints = await again.evaluate("window.__watched.constraints[0]")
        assert "facingMode" not in constraints["video"]
        assert constraints["video"]["deviceId"]["exact"]
        assert constraints["audio"]["deviceId"]["exact"]
        settings = await again.evaluate(
            "window.__watched.streams[0].getTracks().map((track) => track.label)"
        )
        assert sorted(settings) == ["Fake Audio Input 1", "fake_device_1"]
        await page.close()
    finally:
        await context.close()


async def test_an_unplugged_camera_restarts_the_check_with_another(
    two_camera_chromium: Browser, server: Server, page_check: PageCheck
) -> None:
    check = page_check(server)
    context = await two_camera_chromium.new_context(viewport=DESKTOP)
    try:
        await context.add_init_script(WATCH_MEDIA)
        # Devices "unplugged" here disappear from the list and can no longer be opened.
        await context.add_init_script(
            """(() => {
              window.__unplugged = [];
              const media = navigator.mediaDevices;
              const enumerate = media.enumerateDevices.bind(media);
              media.enumerateDevices = async () =>
                (await enumerate()).filter((d) => !window.__unplugged.includes(d.deviceId));
              const open = media.getUserMedia;
              media.getUserMedia = (constraints) => {
                const wanted = constraints.video.deviceId?.exact;
                return window.__unplugged.includes(wanted)
                  ? Promise.reject(new OverconstrainedError("deviceId"))
                  : open(constraints);
              };
            })();"""
        )
        page = await context.new_page()
        await page.goto(check["candidate_url"])
        await page.get_by_test_id("start-check").click()
        camera = page.get_by_test_id("camera-picker")
        await expect(camera.locator("option")).to_have_count(2)
        await camera.select_option(label="fake_device_1")
        await page.wait_for_function("() => window.__watched.streams.length === 2")
        await expect(camera).to_have_value(
            await page.evaluate(
                "window.__watched.streams[1].getVideoTracks()[0].getSettings().deviceId"
            )
        )
        await page.evaluate(
            """() => {
              const [track] = window.__watched.streams[1].getVideoTracks();
              window.__unplugged.push(track.getSettings().deviceId);
              navigator.mediaDevices.dispatchEvent(new Event("devicechange"));
            }"""
        )
        await page.wait_for_function("() => window.__watched.streams.length === 3")
        await expect(camera.locator("option")).to_have_text(["fake_device_0"])
        label = await page.evaluate("window.__watched.streams[2].getVideoTracks()[0].label")
        assert label == "fake_device_0"
        await expect(page.get_by_test_id("brightness")).to_contain_text("(", timeout=15_000)
    finally:
        await context.close()
