"""A recap video plays in a real browser: Chromium decodes it, knows its size and plays on."""

import os
from pathlib import Path

import pytest

from suggestions.generators.recap import recap_seconds
from suggestions.generators.soundtrack import TRACKS

from .test_recap_video import SHOTS, render

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]

pytestmark = pytest.mark.browser

PLAY = """async () => {
    const video = document.querySelector('video');
    await video.play();
    await new Promise(resolve => setTimeout(resolve, 800));
    return {error: video.error && video.error.code, width: video.videoWidth, height: video.videoHeight,
            time: video.currentTime, duration: video.duration, ready: video.readyState,
            audio: video.webkitAudioDecodedByteCount, muted: video.muted};
}"""


@pytest.mark.parametrize("music", [False, True], ids=["silent", "with music"])
def test_a_recap_plays_in_chromium(tmp_path, music):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM} (set CHROMIUM)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    (tmp_path / "recap.mp4").write_bytes(render(SHOTS[:2], track=TRACKS[0] if music else None))
    (tmp_path / "page.html").write_text('<video src="recap.mp4" muted playsinline></video>')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto((tmp_path / "page.html").as_uri())
            state = page.evaluate(PLAY)
        finally:
            browser.close()
    assert state["error"] is None
    assert (state["width"], state["height"]) == (1280, 720)
    assert state["ready"] >= 2 and state["time"] > 0.2
    assert state["duration"] == pytest.approx(recap_seconds(2), abs=0.1)
    assert state["muted"] and (state["audio"] > 0) == music  # the music is decoded, and muted
