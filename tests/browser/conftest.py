"""Fixtures of the real-browser tests: a JupyterLab server on 127.0.0.1 and a guarded Chromium page.

The server serves a temporary copy of ``notebooks/`` (the browser runs and autosaves notebooks; the
committed files stay untouched), with its own config, runtime and settings directories and a random
token. Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright; every request that does not
go to 127.0.0.1 (or is not a ``data:``/``blob:`` URL) is aborted and listed in ``blocked``.
Screenshots go to ``screenshots/`` at the repository root (git-ignored). A failed test's report
carries the page's last console lines and uncaught errors, and a screenshot of the page is saved as
``screenshots/failed_<test>.png``.
"""

import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = pathlib.Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ALLOWED_HOSTS = {"127.0.0.1"}
CONSOLE_LINES = 40  # of the page's console, in a failed test's report


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """A running JupyterLab: ``url(path)`` builds an authenticated address."""

    def __init__(self, base, token, root):
        self.base, self.token, self.root = base, token, root

    def url(self, path):
        separator = "&" if "?" in path else "?"
        return f"{self.base}{path}{separator}token={self.token}"


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of the notebooks; stopped at the end of the session."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[name] = str(home / name.lower())
    # no "get notified about Jupyter news?" toast over the screenshots
    notification = home / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("MPLBACKEND", None)  # the notebooks choose the inline backend themselves
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.token={token}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(home / "server.log", "wb")  # noqa: SIM115  (closed by the fixture's teardown)
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {server.returncode}: {(home / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not answer /api/status within 120 s")
            time.sleep(0.5)
        yield LabServer(base, token, root)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    """Chromium under Playwright (skips when Debian's chromium is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _guarded_page(browser):
    """Yield a page whose requests to anything but 127.0.0.1 are aborted (``page.blocked`` lists them)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    blocked = []

    def guard(route):
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob") or parsed.hostname in ALLOWED_HOSTS:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.blocked = blocked
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: page.console_lines.append(f"uncaught: {error}"))
    SCREENSHOTS.mkdir(exist_ok=True)
    try:
        yield page
    finally:
        context.close()
        if blocked:
            with open(SCREENSHOTS / "blocked_requests.txt", "a", encoding="utf-8") as listing:
                listing.write("\n".join(blocked) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Add the page's last console lines to a failed test's report, and save a screenshot of the page."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = [item.funcargs[name] for name in ("page", "module_page") if name in item.funcargs]
    if not pages:
        return
    page = pages[0]
    lines = getattr(page, "console_lines", [])[-CONSOLE_LINES:]
    report.sections.append((f"browser console (last {CONSOLE_LINES} lines)", "\n".join(lines) or "(nothing)"))
    try:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"failed_{item.name}.png"))
    except Exception as error:  # a page that has crashed or closed: the report keeps the console lines
        report.sections.append(("screenshot", f"not saved: {error}"))


@pytest.fixture
def page(browser):
    """A fresh guarded page (requests to anything but 127.0.0.1 are aborted; ``page.blocked`` lists them)."""
    yield from _guarded_page(browser)


@pytest.fixture(scope="module")
def module_page(browser):
    """One guarded page shared by the tests of a module (each test navigates it to its notebook)."""
    yield from _guarded_page(browser)
