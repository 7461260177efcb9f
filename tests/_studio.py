"""A studio for the tests: prepared once per session on the demo area, served in-process
(FastAPI's TestClient) and, for the browser and the concurrency tests, by a real uvicorn
server on a free port of 127.0.0.1 in a thread of the test process."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

#: Worker processes of the test studio (the machine has two cores).
WORKERS = 2


def prepared_studio(area: Any) -> Any:
    """A :class:`~afweging.studio.service.Studio` of ``area`` that is ready (or failed)."""
    pytest.importorskip("fastapi")
    from afweging.studio.service import Studio

    studio = Studio(area, workers=WORKERS)
    studio.prepare()
    assert studio.status == "klaar", studio.message
    return studio


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(studio: Any) -> Iterator[str]:
    """Serve ``studio`` with uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    import uvicorn

    from afweging.studio.app import create_app

    port = free_port()
    app = create_app(studio, manage=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
