"""Make the README pictures from the demo run (needs Chromium for the screenshots).

    python docs/img/make_pictures.py

Writes, next to this script:

* ``kaart.png``: the interactive map (kaart.html) of the demo area, screenshot in headless
  Chromium (offline, so without background tiles);
* ``barcode.png``: the barcode of the demo city (barcode module's SVG), screenshot;
* ``prioriteit_speelplek.png``: the static memo map of the playground priorities.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("No Chromium binary found; install chromium to make the pictures.")


def _screenshot(html: Path, png: Path, size: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory() as udd:
        subprocess.run(
            [
                _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={udd}", "--virtual-time-budget=5000",
                f"--window-size={size[0]},{size[1]}", f"--screenshot={png}", html.as_uri(),
            ],
            check=True, capture_output=True, timeout=180,
        )


def main() -> None:
    import afweging
    from afweging.analyses.priorities import prioritise
    from afweging.barcode import score
    from afweging.barcode.render import render_svg
    from afweging.maps import priority_maps, write_map

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = afweging.demo_area()
        layers = afweging.compute_layers(area)
        reach = afweging.reachability(area)
        scores = score(area, layers, reach)
        prios = prioritise(area, layers, reach)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kaart = write_map(area, work / "kaart.html", layers=layers, reach=reach, scores=scores,
                          priorities=prios, tiles=False)
        _screenshot(kaart, HERE / "kaart.png", (1400, 860))
        svg = render_svg(scores, scores.city_code)
        page = work / "barcode.html"
        page.write_text(
            '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
            "<style>body{margin:0;background:#fff}</style></head>"
            f"<body>{svg}</body></html>", encoding="utf-8",
        )
        width = int(svg.split('width="', 1)[1].split('"', 1)[0])
        height = int(svg.split('height="', 1)[1].split('"', 1)[0])
        _screenshot(page, HERE / "barcode.png", (width, height))
        for p in priority_maps(area, prios, work):
            if p.stem == "prioriteit_speelplek":
                shutil.copy(p, HERE / p.name)
    for name in ("kaart.png", "barcode.png", "prioriteit_speelplek.png"):
        print(HERE / name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
