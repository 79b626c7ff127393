"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live server.

Chromium comes from Debian's package (installed here with apt-get when missing, never a browser
download). Each test that fails leaves a full-page screenshot in tests/e2e/artifacts/.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# What the browser draws (axe-core's findings, the screenshots kept for people to look at) depends on the
# pages' HTML and CSS, not on the database under them: CI checks it in its SQLite pass and its PostgreSQL
# pass (E2E_LAYOUT_CHECKS=0) drives the same journeys and checks everything else (status, text, console
# errors, sideways scroll, what each step changed). Axe is most of a browser test's time.
LAYOUT_CHECKS = os.environ.get("E2E_LAYOUT_CHECKS", "1") != "0"
# The widths pages are looked at: a desktop and a phone. The phone width changes only what the browser draws
# (the server answers the same requests), so without layout checks the journeys run at the desktop width only.
WIDTHS = ((1366, 900), (390, 844)) if LAYOUT_CHECKS else ((1366, 900),)
PAGE_WIDTHS = [width for width, _height in WIDTHS]


def keep_screenshot(page, path) -> None:
    """A full-page screenshot of the page now shown, kept at ``path`` (not with E2E_LAYOUT_CHECKS=0)."""
    if LAYOUT_CHECKS:
        page.screenshot(path=str(path), full_page=True)


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def ensure_chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, timeout=1200)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} and it could not be installed with apt-get")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API runs an event loop in this thread, so the
    ORM calls the tests make meanwhile are allowed explicitly, and both end with the module (async
    tests elsewhere need the thread without a running loop)."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def axe_violations():
    """Serious and critical axe-core findings (WCAG 2.1 A/AA rules) on the page as it is now (none looked
    for with E2E_LAYOUT_CHECKS=0: see LAYOUT_CHECKS)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> list[str]:
        if not LAYOUT_CHECKS:
            return []
        options = {
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        }
        results = axe.run(page, options=options)
        return [
            f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
            for violation in results.response["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]

    return check


def _one_thread_at_a_time(conn):
    """Cursors of the shared in-memory connection that let one thread use it at a time.

    Sharing one sqlite3 connection between threads can deadlock: a query calling one of Django's Python
    functions (e.g. in a count) holds SQLite's connection mutex and waits for the GIL, while another thread
    holds the GIL binding its parameters and waits for that mutex (seen in CI: the every-role walk hung with
    the live fan-out's feed read and the audit log's count). A lock taken around every call that reaches
    SQLite is released while waiting (it gives up the GIL), so the two never hold one each."""
    import threading

    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    lock = threading.RLock()

    def locked(name):
        method = getattr(SQLiteCursorWrapper, name)

        def call(self, *args, **kwargs):
            with lock:
                return method(self, *args, **kwargs)

        return call

    names = ("execute", "executemany", "fetchone", "fetchmany", "fetchall", "__next__", "close")
    Locked = type("LockedSQLiteCursor", (SQLiteCursorWrapper,), {name: locked(name) for name in names})

    def create_cursor(name=None):
        with lock:
            return conn.connection.cursor(factory=Locked)

    return create_cursor


@pytest.fixture
def asgi_server(transactional_db, settings, monkeypatch):
    """The ASGI application (HTTP and websockets, what daphne serves) on a free port, served by uvicorn in a
    thread of the test process. On SQLite the in-memory test database is shared with the server threads,
    as Django's live server does. (Same fixture as in test_selection_journey.py, shared here.)"""
    import socket
    import threading
    import time

    import uvicorn
    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers
    from django.db import connections

    from portal.asgi import application

    settings.LIVE_POLL_SECONDS = 0.05
    channel_layers.backends.clear()
    shared = {conn.alias: conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()}
    for conn in shared.values():
        conn.inc_thread_sharing()
        monkeypatch.setattr(conn, "create_cursor", _one_thread_at_a_time(conn))
    if shared:
        monkeypatch.setattr(
            connections,
            "create_connection",
            lambda alias: shared.get(alias) or type(connections).create_connection(connections, alias),
        )

        def share():
            for alias, conn in shared.items():
                connections[alias] = conn

        SyncToAsync.single_thread_executor.submit(share).result()

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, lifespan="off", ws="websockets-sansio", log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    for conn in shared.values():
        conn.dec_thread_sharing()
    if shared:

        def unshare():
            for alias in shared:
                del connections[alias]

        SyncToAsync.single_thread_executor.submit(unshare).result()
    channel_layers.backends.clear()


# Visible text of a page, outside code samples and elements marked as another language.
_VISIBLE_TEXT = """() => {
  const skip = "script, style, noscript, template, code, pre, kbd, samp, [lang]:not([lang^=zh]):not(html)";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!element || element.closest(skip) || !element.checkVisibility()) continue;
    parts.push(walker.currentNode.textContent);
  }
  return parts.join(" ");
}"""
RAW_FIELD_NAME = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./@-])")  # not in e-mail addresses
ENGLISH_SENTENCE = re.compile(r"(?<![\w.-])[A-Za-z][a-z']+(?:[ ,]+[A-Za-z][a-z']+){3,}")


def text_faults(page, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Raw field names (snake_case) and English sentences (four or more English words in a row) in the visible
    text of a Chinese page; code samples and elements marked with another language are not looked at. ``allowed``:
    words that are data, not field names (the signed-in account's user name on its own start page)."""
    text = page.evaluate(_VISIBLE_TEXT)
    found = [f"raw field name: {name}" for name in RAW_FIELD_NAME.findall(text) if name not in allowed]
    found += [f"English: {sentence}" for sentence in ENGLISH_SENTENCE.findall(text)]
    return sorted(set(found))
