"""The plan studio (``afweging studio``): draw or upload a plan in the browser and see the
plan check of it while you draw.

Modules: :mod:`~.cache` (the area's baseline on disk, keyed by content), :mod:`~.worker`
(what the worker processes compute), :mod:`~.service` (the baseline, the worker pool and
the state in the server process), :mod:`~.app` (the FastAPI app and its routes) and
:mod:`~.command` (the CLI's runner). The page is ``static/`` (HTML, JS, CSS in Dutch);
its libraries are vendored (``vendor/README.md``).

FastAPI and uvicorn are an optional dependency: ``pip install "afweging[studio]"``.
"""
