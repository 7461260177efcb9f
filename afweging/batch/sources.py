"""Where each gemeente's data come from: fetched folders or an online-source template.

* **Folder of fetched files** (``--data DIR``): ``DIR/<gemeentecode>/area.toml``, a
  file-based area manifest as :func:`afweging.load_area` reads (and ``afweging fetch``
  writes).
* **Online-source template** (``--bronnen online.toml``): an area manifest whose sections
  download their data (``online = "pdok"``, ``"cbs"``, ``"osm"`` ...), with
  ``{gemeentecode}`` (and optionally ``{gemeentenaam}``) where the gemeente goes. For each
  gemeente the batch fills it in, makes relative paths absolute, and gives every online
  section that gathers data around the buurten (``[facilities]``, ``[networks.*]``,
  ``[green]``, ``[rasters.*]``) a ``buffer_m`` of at least the border buffer
  (:mod:`afweging.batch.buffer`), so a home near the border finds what lies across it.
  The filled-in manifest is written to ``<out>/gemeenten/<code>/bronnen.toml``.

Each gemeente then loads its own Area with its buffer; nothing is shared between the
tasks, so a worker needs only the memory of the largest gemeente.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

from afweging._errors import ConfigError, InputFileNotFoundError, ManifestError
from afweging.batch.buffer import border_buffer
from afweging.batch.store import GEMEENTEN_DIR
from afweging.batch.task import ManifestSource

#: Sections of an area manifest that gather their data around the buurten (``buffer_m``).
BUFFERED_SECTIONS = ("facilities", "networks", "green", "rasters")

_CODE_DIR = re.compile(r"^GM\d{4}$")


def folder_sources(data: Path, codes: Sequence[str] | None = None) -> list[ManifestSource]:
    """One source per ``data/<gemeentecode>/area.toml`` (all, or the given codes)."""
    if not data.is_dir():
        raise InputFileNotFoundError(
            f"--data {data}: die map bestaat niet. Geef de map met per gemeente een map "
            f"<gemeentecode>/area.toml (bijv. gemaakt met afweging fetch)."
        )
    found = {p.name: p / "area.toml" for p in sorted(data.iterdir())
             if _CODE_DIR.match(p.name) and (p / "area.toml").exists()}
    if codes is None:
        if not found:
            raise InputFileNotFoundError(
                f"--data {data}: geen enkele map <gemeentecode>/area.toml gevonden (bijv. "
                f"{data / 'GM0344' / 'area.toml'})."
            )
        return [ManifestSource(c, m) for c, m in found.items()]
    missing = [c for c in codes if c not in found]
    if missing:
        raise InputFileNotFoundError(
            f"--data {data}: geen area.toml voor {', '.join(missing[:10])}"
            f"{' ...' if len(missing) > 10 else ''} (verwacht {data / missing[0] / 'area.toml'}). "
            f"Haal die gemeenten eerst op, of laat ze weg."
        )
    return [ManifestSource(c, found[c]) for c in codes]


def _absolute_paths(text: str, base: Path) -> str:
    """``path = "x"`` and ``tags = "x"`` made absolute against the template's folder."""

    def fix(m: re.Match[str]) -> str:
        p = Path(m.group(3))
        return m.group(0) if p.is_absolute() else f'{m.group(1)}{m.group(2)}{(base / p).resolve()}{m.group(2)}'

    return re.sub(r'^(\s*(?:path|tags)\s*=\s*)(["\'])([^"\']+)\2', fix, text, flags=re.MULTILINE)


def _with_buffers(text: str, doc: dict, buffer_m: float, where: str) -> str:
    """Add ``buffer_m`` to the online sections that gather data around the buurten."""
    lines = text.splitlines()
    inserts: list[tuple[str, str]] = []
    for top in BUFFERED_SECTIONS:
        sec = doc.get(top)
        if not isinstance(sec, dict):
            continue
        subs = sec.items() if top in ("networks", "rasters") else [(None, sec)]
        for sub, body in subs:
            if not isinstance(body, dict) or "online" not in body:
                continue
            header = f"{top}.{sub}" if sub else top
            have = body.get("buffer_m")
            if have is not None:
                if not isinstance(have, int | float) or have < buffer_m:
                    raise ManifestError(
                        f"{where}: [{header}] buffer_m = {have!r} is kleiner dan de grensbuffer "
                        f"{buffer_m:.0f} m; woningen bij de gemeentegrens zouden voorzieningen en "
                        f"straten over de grens missen. Zet buffer_m = {buffer_m:.0f} (of laat het weg)."
                    )
                continue
            inserts.append((header, f"buffer_m = {buffer_m:.0f}  # grensbuffer van de batch"))
    for header, line in inserts:
        pattern = re.compile(rf"^\s*\[\s*{re.escape(header)}\s*\]\s*(#.*)?$")
        idx = next((i for i, ln in enumerate(lines) if pattern.match(ln)), None)
        if idx is None:
            raise ManifestError(
                f"{where}: schrijf [{header}] als eigen tabelkop (niet inline), zodat de batch er "
                f"buffer_m aan kan toevoegen."
            )
        lines.insert(idx + 1, line)
    return "\n".join(lines) + "\n"


def render_template(template: Path, code: str, name: str | None = None) -> str:
    """The template filled in for one gemeente (see the module doc)."""
    if not template.exists():
        raise InputFileNotFoundError(f"--bronnen {template}: dat bestand bestaat niet.")
    raw = template.read_text(encoding="utf-8")
    if "{gemeentecode}" not in raw:
        raise ManifestError(
            f"{template}: het sjabloon bevat nergens {{gemeentecode}}; zet bijv. "
            f'gemeentecode = "{{gemeentecode}}" bovenaan, dan vult de batch elke gemeente in.'
        )
    text = raw.replace("{gemeentecode}", code).replace("{gemeentenaam}", name or code)
    text = _absolute_paths(text, template.parent)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{template}: geen geldige TOML na het invullen van {code}: {exc}.") from exc
    return _with_buffers(text, doc, border_buffer().total_m, str(template))


def template_sources(template: Path, codes: Sequence[str], out_dir: Path) -> list[ManifestSource]:
    """Fill the template in for every gemeente (``<out>/gemeenten/<code>/bronnen.toml``)."""
    out: list[ManifestSource] = []
    for code in codes:
        folder = out_dir / GEMEENTEN_DIR / code
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bronnen.toml"
        text = render_template(template, code)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        out.append(ManifestSource(code, path, kind="sjabloon"))
    return out


def gemeente_codes(*, provincie: str | None, progress: Callable[[str], None] | None = None) -> list[str]:
    """The gemeentecodes of a provincie (``PV26``) or of all of the Netherlands (CBS)."""
    from afweging.data.cbs import gemeenten_from_cbs

    if provincie is not None and not re.match(r"^PV\d{2}$", provincie.strip().upper()):
        raise ConfigError(f"--provincie {provincie!r}: geef een CBS-provinciecode als PV26 (Utrecht).")
    if progress:
        progress("Gemeentelijst ophalen (CBS, Gebieden in Nederland) ...")
    table = gemeenten_from_cbs()
    if provincie is not None:
        pv = provincie.strip().upper()
        table = table[table["provinciecode"] == pv]
        if table.empty:
            raise ConfigError(f"--provincie {pv}: geen gemeenten gevonden; provincies zijn PV20 tot PV31.")
    return table["gemeentecode"].tolist()
