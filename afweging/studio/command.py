"""The work of ``afweging studio``: load the area, start the server, open the browser.

The CLI (:mod:`afweging.cli`) only parses arguments and calls :func:`studio_command_main`.
"""

from __future__ import annotations

import errno
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from afweging._errors import AfwegingError
from afweging.geo.area import Area


class StudioError(AfwegingError):
    """The studio cannot start (port taken, host unknown, FastAPI missing)."""


def require_server_libraries() -> None:
    """Refuse with a Dutch message when FastAPI or uvicorn is not installed."""
    missing = []
    for name in ("fastapi", "uvicorn"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise StudioError(
            f"de studio heeft {' en '.join(missing)} nodig, en die zijn niet geïnstalleerd. "
            'Installeer ze met: pip install "afweging[studio]"'
        )


def check_port(host: str, port: int) -> None:
    """Refuse with a Dutch message when ``host:port`` cannot be bound (before anything is
    computed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise StudioError(f"--host {host}: dit adres is onbekend ({exc.strerror}). "
                          "Gebruik 127.0.0.1 (alleen deze computer).") from exc
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StudioError(
                    f"poort {port} op {host} is al in gebruik (draait de studio al?). "
                    f"Kies een andere poort, bijvoorbeeld --port {port + 1}.") from exc
            raise StudioError(f"kan niet luisteren op {host}:{port} ({exc.strerror}). "
                              "Kies een andere --host of --port.") from exc


def is_local(host: str) -> bool:
    """True for the loopback addresses (only this computer can connect)."""
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def studio_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def studio_command_main(
    area: Area | str | Path | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    norms: str | Path | None = None,
    open_browser: bool = True,
    workers: int | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the studio for ``area`` until Ctrl-C (the work of ``afweging studio``).

    ``area`` is an Area, the path of an area.toml, or None for the demo area. The server
    libraries and the port are checked before the area is loaded, and a bad manifest is
    reported before the server starts."""
    require_server_libraries()
    check_port(host, port)
    import uvicorn

    from afweging.studio.app import LOCAL_HOSTS, create_app
    from afweging.studio.service import Studio

    if area is None:
        from afweging.data.demo import demo_area

        say("Geen --area opgegeven: het synthetische demogebied wordt gebruikt.")
        area = demo_area()
    elif not isinstance(area, Area):
        from afweging.data.manifest import load_area

        say("Gebied laden ...")
        area = load_area(area)
    url = studio_url(host, port)
    studio = Studio(area, norms=norms, workers=workers, progress=lambda m: say(f"{m} ..."))
    hosts = tuple(dict.fromkeys([*LOCAL_HOSTS, host]))
    if host in ("0.0.0.0", "::"):
        hosts = ("*",)
    app = create_app(studio, hosts=hosts)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           access_log=False, lifespan="on"))
    say(f"De studio draait op {url}  (stoppen: Ctrl-C)")
    if open_browser:
        threading.Timer(1.0, _open, args=(url,)).start()
    server.run()
    say("De studio is gestopt.")


def _open(url: str) -> Any:
    try:
        return webbrowser.open(url)
    except Exception:  # no browser on this machine: the URL is printed already
        return False
