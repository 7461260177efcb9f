"""A studio for the tests: prepared once per module on an area, served in-process
(FastAPI's TestClient) and, for the browser and the concurrency tests, by a real uvicorn
server on a free port of 127.0.0.1 in a thread of the test process
(:func:`afweging.studio.app.serve_in_thread`)."""

from __future__ import annotations

from typing import Any

import pytest

#: Worker processes of the test studio (the machine has two cores).
WORKERS = 2


def prepared_studio(area: Any) -> Any:
    """A :class:`~afweging.studio.service.Studio` of ``area`` that is ready."""
    pytest.importorskip("fastapi")
    from afweging.studio.service import Studio

    studio = Studio(area, workers=WORKERS)
    studio.prepare()
    assert studio.status == "klaar", studio.message
    return studio


def live_server(studio: Any) -> Any:
    """Serve ``studio`` with uvicorn on 127.0.0.1 in a thread; a context giving its URL."""
    from afweging.studio.app import serve_in_thread

    return serve_in_thread(studio)
