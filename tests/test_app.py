"""The teaching app: browser-free component tests and a real browser test (Chromium).

The browser test starts ``msisim app`` on a free loopback port, drives Debian's Chromium with
Playwright (no browser download), clicks Step and Play, checks that the policy space and the
plots render and change, and saves screenshots to ``outputs/screenshots/``.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from msisim.viz.app import AppModel, Page, draw_policy_space, draw_scorecard

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


# --------------------------------------------------------------------------- browser-free


def test_app_model_maps_controls_to_parameters():
    m = AppModel(template="open", seed=3, lobby_budget=1.5, grassroots_support=0.5,
                 capture_mode="set by hand", selector_capture=0.4)  # fmt: skip
    assert m.params.design.membership == "open"
    assert m.params.context.lobby_budget == 1.5
    assert dict(m.params.design.participation_support)["grassroots"] == 0.5
    assert m.params.context.selector_capture == 0.4, "hand-set capture is exogenous"
    endogenous = AppModel(capture_mode="from lobby ties")
    assert endogenous.params.context.selector_capture is None, "ties decide the capture"


def test_twin_is_the_other_template_on_the_same_seed():
    m = AppModel(template="representative", seed=5, lobby_budget=1.0)
    twin = m.twin()
    assert twin.params.design.membership == "open"
    assert twin.params.context.lobby_budget == 1.0
    assert (twin.stakeholders.position == m.stakeholders.position).all(), "same population"


def test_drawing_functions_draw_the_space_and_scorecard():
    m = AppModel(lobby_budget=2.0, seed=2)
    m.run_for(15)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    draw_policy_space(m, ax1)
    labels = [t.get_text() for t in ax1.get_legend().get_texts()]
    for label in ("members (advocated)", "policy trail", "public ideal", "lobby ideal"):
        assert label in labels, f"the policy space must mark {label!r}"
    assert any(line.get_color() == "red" for line in ax1.lines), "lobby ties are drawn"
    draw_scorecard(m, ax2)
    assert ax2.images, "the scorecard is drawn as a heat map"
    plt.close(fig)


def test_page_renders_without_a_browser():
    import solara

    box, rc = solara.render(Page(), handle_error=False)
    text = str(box)
    assert rc is not None and text, "the page renders a widget tree"


def test_observing_in_the_app_does_not_change_results():
    # The app's model collects data every step; results equal an unobserved run.
    observed = AppModel(seed=4, lobby_budget=1.0)
    plain = AppModel(seed=4, lobby_budget=1.0)
    plain._collect = False
    observed.run_for(20)
    plain.run_for(20)
    assert observed.summary() == plain.summary()


# --------------------------------------------------------------------------- real browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture
def app_server():
    port = _free_port()
    env = {**os.environ, "HOST": "0.0.0.0"}  # must be ignored: the app binds to 127.0.0.1
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "msisim"), "app", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/", 120)
        yield port, proc
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


@pytest.mark.slow
def test_app_in_a_real_browser(app_server):
    from playwright.sync_api import sync_playwright

    port, proc = app_server
    assert Path(CHROMIUM).exists(), "Debian's chromium must be installed (scripts/test.sh does)"
    import psutil

    bound = {c.laddr.ip for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port
             and c.status == psutil.CONN_LISTEN}  # fmt: skip
    assert bound == {"127.0.0.1"}, f"the app binds to 127.0.0.1 only, even with HOST set: {bound}"
    shots = ROOT / "outputs" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1300})
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        step = page.get_by_role("button", name="Step")
        step.wait_for(timeout=120_000)
        page.wait_for_function("document.querySelectorAll('img').length >= 6", timeout=60_000)
        sources = "Array.from(document.querySelectorAll('img')).map(i => i.src)"
        before = page.evaluate(sources)
        for _ in range(3):
            step.click()
            time.sleep(0.7)
        page.wait_for_selector("text=Time: 3.0", timeout=30_000)
        time.sleep(1.5)
        after = page.evaluate(sources)
        assert len(after) >= 6, "policy space, scorecard and four live plots render as images"
        changed = sum(a != b for a, b in zip(before, after, strict=False))
        assert changed >= 6, f"space, scorecard and plots must redraw after steps ({changed})"
        page.get_by_role("button", name="▶").click()
        time.sleep(4)
        page.get_by_role("button", name="❚❚").click()
        body = page.inner_text("body")
        time_value = float(body.split("Time:")[1].split()[0])
        assert time_value > 3, f"Play must advance the model (time {time_value})"
        page.screenshot(path=str(shots / "app.png"), full_page=True)
        page.get_by_text("Page 1").click()
        page.wait_for_function("document.querySelectorAll('img').length >= 1", timeout=60_000)
        time.sleep(2)
        page.screenshot(path=str(shots / "app_compare.png"), full_page=True)
        browser.close()
    assert (shots / "app.png").stat().st_size > 50_000, "the screenshot shows a rendered page"
    assert proc.poll() is None, "the server is still running"
