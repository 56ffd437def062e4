"""The slider notebooks in a real browser: JupyterLab on loopback, Debian's Chromium, Playwright.

    python -m pytest -m browser tests/test_browser.py

For each notebook with sliders: open a copy in JupyterLab, run all cells, then move every slider
one step with the keyboard (as a reader would) and check that a picture of the same widget
changes. Prints how long each update took in the browser (not asserted: speed is measured by
``scripts/slider_latency.py``). Needs ``chromium`` (``apt-get install chromium``) and the
``playwright`` Python package; no browser is downloaded. Without them the test is skipped, unless
``LIC_LAB_BROWSER_REQUIRED=1`` (CI) turns that into a failure. Everything has a timeout, and the
server is stopped at the end, so the test ends by itself.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SLIDERS = {  # each slider notebook and how many sliders its widgets have
    "01_foundations": 1,
    "02_gmm_quantizer_cvqn": 2,
    "03_channel_ablation": 2,
    "04_importance_map_trimmed_conv": 2,
    "05_gain_units": 2,
    "06_branches_and_bam": 2,
}
SLIDER_NOTEBOOKS = list(SLIDERS)
RUN_ALL_SECONDS = 360  # one notebook, all cells, on 2 loaded cores (all six fit CI's limit)
UPDATE_SECONDS = 30  # one slider move until its picture changes
SCREENSHOTS = Path(os.environ.get("LIC_LAB_BROWSER_SHOTS", "/tmp"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

SETTINGS = {  # no autosave (the copy is thrown away anyway), every cell in the page
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright; no browser download needed)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on loopback serving a throwaway copy of the notebooks."""
    reason = _missing()
    if reason:
        if os.environ.get("LIC_LAB_BROWSER_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("lab")
    for name in SLIDER_NOTEBOOKS:
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", root)
    settings = tmp_path_factory.mktemp("settings")
    for rel, value in SETTINGS.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(value))
    port, token = _free_port(), "lic-lab-browser-test"
    home = tmp_path_factory.mktemp("home")  # figures the notebooks save go here, not into the checkout
    log = open(home / "jupyterlab.log", "w")  # closed in the finally below
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--expose-app-in-browser",
         f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={settings}", "--ServerApp.disable_check_xsrf=True", "--allow-root"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "Agg", "LIC_LAB_HOME": str(home)},
    )  # fmt: skip
    try:
        deadline = time.time() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"JupyterLab exited ({server.returncode}); see {home / 'jupyterlab.log'}")
                if time.time() > deadline:
                    pytest.fail("JupyterLab did not start within 120 s")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


PICTURES = """(handle) => {
  const area = handle.closest('.jp-OutputArea-output');
  return Array.from(area.querySelectorAll('img')).map((img) => img.src);
}"""


def settled_pictures(handle, seconds: float = UPDATE_SECONDS) -> list[str]:
    """The pictures of a slider's widget once they stop changing for 1.5 s (a widget may update
    several, one after another)."""
    deadline = time.time() + seconds
    last, stable_since = handle.evaluate(PICTURES), time.time()
    while time.time() < deadline:
        time.sleep(0.25)
        now = handle.evaluate(PICTURES)
        if now != last:
            last, stable_since = now, time.time()
        elif time.time() - stable_since >= 1.5:
            break
    return last


@pytest.mark.parametrize("name", SLIDER_NOTEBOOKS)
def test_every_slider_changes_its_picture(lab, browser, name):
    url, token = lab
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(120_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        # ?reset: a fresh workspace with only this notebook open (one kernel at a time)
        page.goto(f"{url}/lab/tree/{name}.ipynb?reset&token={token}", timeout=120_000)
        page.wait_for_function(
            "(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " return w && w.context && w.context.path.endsWith(name) && w.content.widgets.length > 0; }",
            arg=f"{name}.ipynb",
            timeout=120_000,
        )
        page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget; return w.sessionContext && "
            "w.sessionContext.session && w.sessionContext.session.kernel && "
            "w.sessionContext.session.kernel.connectionStatus === 'connected'; }",
            timeout=120_000,
        )
        # the command's promise settles when every cell has run (or one failed)
        finished = page.evaluate(
            """(ms) => Promise.race([
                 window.jupyterapp.commands.execute('notebook:run-all-cells').then((ok) => ok ? 'done' : 'a cell failed'),
                 new Promise((resolve) => setTimeout(() => resolve('timeout'), ms))])""",
            RUN_ALL_SECONDS * 1000,
        )
        assert finished == "done", f"{name}: {finished} (limit {RUN_ALL_SECONDS} s)"
        assert not page.query_selector_all(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg"
        ), f"{name}: a cell raised in the browser"
        selector = ".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider .noUi-handle"
        page.wait_for_function(  # widget views render after the cells finish
            "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[selector, SLIDERS[name]], timeout=60_000
        )
        handles = page.query_selector_all(selector)
        assert len(handles) == SLIDERS[name], f"{name}: {len(handles)} sliders rendered, not {SLIDERS[name]}"
        report = []
        for handle in handles:
            label = handle.evaluate("(h) => h.closest('.widget-slider').querySelector('.widget-label').textContent")
            before = settled_pictures(handle)
            assert before, f"{name}: slider {label!r} has no picture beside it"
            at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            handle.scroll_into_view_if_needed()
            handle.focus()
            start = time.perf_counter()
            page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
            page.wait_for_function(
                f"(handle) => JSON.stringify(({PICTURES})(handle)) !== {json.dumps(json.dumps(before))}",
                arg=handle,
                timeout=UPDATE_SECONDS * 1000,
            )
            report.append(f"{label.strip()} {1000 * (time.perf_counter() - start):.0f} ms")
        print(f"{name}: " + ", ".join(report))
        assert not errors, f"{name}: JavaScript errors: {errors}"
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # what the browser showed, for the report
        raise
    finally:
        try:  # free the CPU for the next notebook; never hide the test's own failure
            page.evaluate(
                "() => Promise.race([window.jupyterapp.shell.currentWidget.sessionContext.shutdown(),"
                " new Promise((r) => setTimeout(r, 10000))])"
            )
        except Exception as e:  # noqa: BLE001 (a crashed page has no kernel to stop)
            print(f"{name}: could not stop the kernel ({e})")
        page.close()
