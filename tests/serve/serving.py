"""Helpers for the web service's tests: an app over a test store, polling a run, a real uvicorn server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO

from privaudit.serve.app import create_app
from privaudit.serve.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note that its TestClient will move from httpx to httpx2
    from fastapi.testclient import TestClient

TOKEN = "test-token-4f1c2b"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DEMO = REPO / "examples" / "demo-app" / "demo.apk"
DEMO_PACKAGE = "com.example.privdemo"


def settings(db: str, tmp_path: Path, **kw) -> Settings:
    return Settings(db=db, data_dir=str(tmp_path / "data"), token=TOKEN, **{"audit_timeout": 120.0, **kw})


def make_client(db: str, tmp_path: Path, **kw):
    """A TestClient (enter it: the lifespan starts the workers) over a fresh app."""
    return TestClient(create_app(settings(db, tmp_path, **kw)))


def wait_done(client, run_id: int, timeout: float = 90.0) -> dict:
    """Poll ``/api/runs/{id}`` until the run is ok or error; the run."""
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in ("ok", "error"):
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']} after {timeout} s"
        time.sleep(0.1)


def upload(client, data: bytes | None = None, name: str = "demo.apk", headers: dict | None = None, **fields):
    body = DEMO.read_bytes() if data is None else data
    return client.post("/api/apps", files={"apk": (name, body, "application/vnd.android.package-archive")},
                       data=fields or None, headers=AUTH if headers is None else headers)


@contextlib.contextmanager
def live_server(s: Settings) -> Iterator[str]:
    """A real uvicorn server on a free localhost port, in a thread; its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(s), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
