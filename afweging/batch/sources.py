"""Where each gemeente's data come from: fetched folders, an online-source template, or a
batch manifest that names either per gemeente.

* **Folder of fetched files** (``--data DIR``, :func:`folder_sources`): file-based area
  manifests as :func:`afweging.load_area` reads (and ``afweging fetch`` writes): ``DIR``'s
  own ``area.toml`` and those of its sub-folders; the gemeente is the manifest's
  ``gemeentecode`` or the folder's name (``GM0344``) (:func:`scan_data`).
* **Online-source template** (``--bronnen online.toml``): an area manifest whose sections
  download their data (``online = "pdok"``, ``"cbs"``, ``"osm"`` ...), with
  ``{gemeentecode}`` (and optionally ``{gemeentenaam}``) where the gemeente goes. For each
  gemeente the batch fills it in, makes relative paths absolute, and gives every online
  section that gathers data around the buurten (``[facilities]``, ``[networks.*]``,
  ``[green]``, ``[rasters.*]``) a ``buffer_m`` of at least the border buffer
  (:mod:`afweging.batch.buffer`), so a home near the border finds what lies across it.
  The filled-in manifest is written to ``<out>/gemeenten/<code>/bronnen.toml``.
* **Batch manifest** (``--manifest batch.toml``, :func:`read_batch_manifest`,
  :mod:`afweging.batch.manifest_schema`): per gemeente a folder or a template.

A chosen gemeente without data becomes a :class:`~afweging.batch.task.MissingSource`: it
is reported as failed with the reason and the others go on. ``--provincie``/``--alle``
take the gemeente list from CBS (:func:`gemeente_codes`, cached after one download) or,
for ``--provincie``, from the ``provincie`` keys of a batch manifest (offline).

Each gemeente then loads its own Area with its buffer; nothing is shared between the
tasks, so a worker needs only the memory of the largest gemeente.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from afweging._errors import ConfigError, InputFileNotFoundError, ManifestError
from afweging._format import nl_names
from afweging._outputs import atomic_write_text
from afweging.batch.buffer import border_buffer
from afweging.batch.store import GEMEENTEN_DIR
from afweging.batch.task import ManifestSource, MissingSource

#: Sections of an area manifest that gather their data around the buurten (``buffer_m``).
BUFFERED_SECTIONS = ("facilities", "networks", "green", "rasters")

_CODE_DIR = re.compile(r"^GM\d{4}$")


def _declared_code(manifest: Path) -> str | None:
    """The ``gemeentecode`` an area manifest declares (None if none or unreadable)."""
    try:
        doc = tomllib.loads(manifest.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    code = doc.get("gemeentecode")
    return code if isinstance(code, str) and _CODE_DIR.match(code) else None


def scan_data(data: Path, *, what: str = "--data") -> dict[str, Path]:
    """Gemeentecode -> ``area.toml`` of a data folder.

    The folder's own ``area.toml`` and those of its sub-folders count; the gemeente is the
    one the manifest declares (``gemeentecode``), else the folder's name when it is one
    (``GM0344``). So ``--data opgehaald`` finds ``opgehaald/GM0344/area.toml`` and
    ``opgehaald/utrecht/area.toml`` (with ``gemeentecode = "GM0344"``) alike, and
    ``--data opgehaald/utrecht`` that one gemeente.
    """
    if not data.is_dir():
        raise InputFileNotFoundError(
            f"{what} {data}: die map bestaat niet. Geef de map met per gemeente een map met "
            f"area.toml (bijv. gemaakt met afweging fetch)."
        )
    found: dict[str, Path] = {}
    candidates = [data / "area.toml", *sorted(p / "area.toml" for p in data.iterdir() if p.is_dir())]
    for manifest in candidates:
        if not manifest.is_file():
            continue
        code = _declared_code(manifest)
        if code is None and _CODE_DIR.match(manifest.parent.name):
            code = manifest.parent.name
        if code is None:
            continue  # not a gemeente (no gemeentecode, folder not named after one)
        if code in found:
            raise ConfigError(
                f"{what} {data}: twee gebiedsmanifesten voor {code}: {found[code]} en {manifest}. "
                f"Haal er één weg of geef ze verschillende gemeentecodes."
            )
        found[code] = manifest
    return found


def folder_sources(data: Path, codes: Sequence[str] | None = None,
                   names: dict[str, str] | None = None) -> list[ManifestSource | MissingSource]:
    """One source per gemeente of a data folder (see :func:`scan_data`): all of them, or
    the given codes; a chosen gemeente without files becomes a :class:`MissingSource`
    (reported as failed, the others go on)."""
    found = scan_data(data)
    if codes is None:
        if not found:
            raise InputFileNotFoundError(
                f"--data {data}: geen enkel area.toml met een gemeentecode gevonden (verwacht bijv. "
                f"{data / 'GM0344' / 'area.toml'}, of gemeentecode = \"GM0344\" in een area.toml)."
            )
        return [ManifestSource(c, m) for c, m in found.items()]
    if not any(c in found for c in codes):
        raise InputFileNotFoundError(
            f"--data {data}: geen area.toml voor {nl_names(codes)} "
            f"(verwacht bijv. {data / codes[0] / 'area.toml'}). Haal die gemeenten eerst op "
            f"(afweging fetch), of kies gemeenten die in de map staan: {nl_names(list(found)) or 'geen'}."
        )
    names = names or {}
    return [ManifestSource(c, found[c]) if c in found else
            MissingSource(c, f"geen opgehaalde gegevens: {data} heeft geen map met een area.toml voor {c}. "
                             f"Haal ze op met afweging fetch --area ONLINE.toml --out {data / c}.",
                          name=names.get(c, ""))
            for c in codes]


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


def template_sources(template: Path, codes: Sequence[str], out_dir: Path,
                     names: dict[str, str] | None = None) -> list[ManifestSource]:
    """Fill the template in for every gemeente (``<out>/gemeenten/<code>/bronnen.toml``)."""
    out: list[ManifestSource] = []
    names = names or {}
    for code in codes:
        folder = out_dir / GEMEENTEN_DIR / code
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bronnen.toml"
        text = render_template(template, code, names.get(code))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)  # a killed batch leaves no half manifest
        out.append(ManifestSource(code, path, kind="sjabloon", name=names.get(code, "")))
    return out


@dataclass
class BatchManifestFile:
    """A read batch manifest (:mod:`afweging.batch.manifest_schema`), paths resolved.

    Attributes
    ----------
    path : Path
    name : str
    entries : dict of str -> (str, Path)
        Gemeentecode -> ``("data", area.toml)``, ``("data-map", folder)`` (the default
        folder; the gemeente's area.toml is looked up in it) or ``("bronnen", template)``.
    names, provinces : dict of str -> str
        What the manifest says (only where it does).
    """

    path: Path
    name: str
    entries: dict[str, tuple[str, Path]]
    names: dict[str, str]
    provinces: dict[str, str]

    def sources(self, codes: Sequence[str], out_dir: Path,
                names: dict[str, str] | None = None) -> list[ManifestSource | MissingSource]:
        """One source per chosen gemeente, in order; a gemeente the manifest does not name,
        or whose files are missing, becomes a :class:`MissingSource`."""
        names = {**(names or {}), **self.names}
        scanned: dict[Path, dict[str, Path]] = {}
        out: list[ManifestSource | MissingSource] = []
        for code in codes:
            if code not in self.entries:
                out.append(MissingSource(code, f"{self.path} noemt deze gemeente niet; voeg "
                                               f"[gemeenten.{code}] toe met data of bronnen.",
                                         name=names.get(code, "")))
                continue
            kind, where = self.entries[code]
            if kind == "bronnen":
                out += template_sources(where, [code], out_dir, names)
                continue
            if kind == "data-map":
                if where not in scanned:
                    scanned[where] = scan_data(where, what=f"{self.path}: data =")
                manifest = scanned[where].get(code)
            else:
                manifest = where if where.is_file() else None
            if manifest is None:
                out.append(MissingSource(code, f"geen opgehaalde gegevens: {where} heeft geen area.toml "
                                               f"voor {code} ({self.path}). Haal ze op met afweging "
                                               f"fetch, of verbeter het pad.", name=names.get(code, "")))
            else:
                out.append(ManifestSource(code, manifest, name=names.get(code, "")))
        return out


def read_batch_manifest(path: Path) -> BatchManifestFile:
    """Read and check a batch manifest (Dutch errors naming file, key and fix)."""
    from afweging._schema import read_toml
    from afweging.batch.manifest_schema import check_batch_manifest

    doc, _raw = read_toml(path, error=ManifestError, what="Het batchmanifest",
                          hint="Zie docs/invoer.md (Batchmanifest).")
    m = check_batch_manifest(doc, file=str(path))
    base = path.resolve().parent

    def at(p: str) -> Path:
        return (base / p).resolve()

    entries: dict[str, tuple[str, Path]] = {}
    for code, g in m.gemeenten.items():
        if g.data is not None:
            folder = at(g.data)
            entries[code] = ("data", folder if folder.suffix == ".toml" else folder / "area.toml")
        elif g.bronnen is not None:
            entries[code] = ("bronnen", at(g.bronnen))
        elif m.data is not None:
            entries[code] = ("data-map", at(m.data))
        else:
            assert m.bronnen is not None  # the schema checked it
            entries[code] = ("bronnen", at(m.bronnen))
    return BatchManifestFile(
        path=path, name=m.name or path.stem, entries=entries,
        names={c: g.naam for c, g in m.gemeenten.items() if g.naam},
        provinces={c: g.provincie for c, g in m.gemeenten.items() if g.provincie},
    )


#: What --alle and --provincie need when the gemeente list cannot be had.
NEEDS_LIST = (
    "De lijst van gemeenten per provincie komt van CBS (tabel 'Gebieden in Nederland'): één keer "
    "online, daarna uit de cache ({cache}). Zonder internet: kies de gemeenten met --gemeenten, "
    "laat --alle weg (dan rekent de batch alle gemeenten van --data of --manifest), of zet "
    "provincie = \"PV26\" per gemeente in het batchmanifest (dan kan --provincie zonder CBS)."
)


def gemeente_codes(
    *,
    provincie: str | None,
    progress: Callable[[str], None] | None = None,
    provinces: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The gemeentecodes (and names) of a provincie (``PV26``) or of all of the Netherlands.

    ``provinces`` (gemeentecode -> provinciecode, from a batch manifest that gives one for
    every gemeente) answers ``--provincie`` offline; otherwise, and for ``--alle``, the
    list comes from CBS (:func:`afweging.data.cbs.gemeenten_from_cbs`, cached). Without it
    a Dutch error says what is needed (:data:`NEEDS_LIST`).
    """
    from afweging import settings
    from afweging._errors import DownloadError
    from afweging.data.cbs import gemeenten_from_cbs

    pv = provincie.strip().upper() if provincie is not None else None
    if pv is not None and not re.match(r"^PV\d{2}$", pv):
        raise ConfigError(f"--provincie {provincie!r}: geef een CBS-provinciecode als PV26 (Utrecht).")
    if pv is not None and provinces:
        codes = sorted(c for c, p in provinces.items() if p == pv)
        if not codes:
            raise ConfigError(f"--provincie {pv}: het batchmanifest noemt geen gemeente met provincie = "
                              f"\"{pv}\" (wel: {', '.join(sorted(set(provinces.values())))}).")
        return codes, {}
    if progress:
        progress("Gemeentelijst ophalen (CBS, Gebieden in Nederland) ...")
    try:
        table = gemeenten_from_cbs()
    except DownloadError as exc:
        raise DownloadError(f"{'--provincie' if pv else '--alle'}: {exc} "
                            + NEEDS_LIST.format(cache=settings.cache_folder)) from exc
    if pv is not None:
        table = table[table["provinciecode"] == pv]
        if table.empty:
            raise ConfigError(f"--provincie {pv}: geen gemeenten gevonden; provincies zijn PV20 tot PV31.")
    return table["gemeentecode"].tolist(), dict(zip(table["gemeentecode"], table["gemeentenaam"], strict=True))
