"""What the studio's worker processes run.

Each worker process loads the baseline once (:func:`init`, from the file the server
process wrote, see :mod:`afweging.studio.cache`); then every request is one call of a
job function here, with the request's bytes as argument and an :class:`Outcome` as
result. A worker runs one job at a time, so the warnings a check issues (collected into
its report) never mix with another request's. Nothing but the baseline survives from one
request to the next.

Every job answers the way ``afweging plan`` does: the same reader (a plan sent to the
studio is written to a private temporary file with the plan's name, and read like a file
given to the command), the same check and the same ``plan_check.json`` /
``plan_check.html``; bad input gets the command's Dutch message
(:func:`afweging._failure.explain`).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What a worker holds: the baseline (with its area).
_state: dict[str, Any] = {}

#: Most variants compared in one request.
MAX_VARIANTS: int = 8

#: ``fmt`` of a job for compact JSON: the content of ``plan_check.json`` without its
#: indentation (what the page asks for while a plan is drawn; the download is the file).
FORMAT_COMPACT: str = "json-kort"

#: Plan files the studio reads (the suffix decides the driver).
SUFFIXES = (".geojson", ".json", ".gpkg")


@dataclass(frozen=True)
class Outcome:
    """The answer of a job: HTTP status, body text, media type, the warnings about the
    plan (a polygon repaired, an unknown property...) in Dutch, and the CPU time and the
    wall time the job took in the worker (ms; the wall time minus the CPU time is the
    time the worker waited for a core)."""

    status: int
    body: str
    media_type: str = "application/json"
    warnings: list[str] = field(default_factory=list)
    cpu_ms: float = 0.0
    wall_ms: float = 0.0


def init(cache_file: str, settings_values: dict[str, Any]) -> None:
    """Worker initializer: apply the server's settings and load the baseline."""
    from afweging import settings
    from afweging.studio.cache import load_baseline

    for name, value in settings_values.items():
        setattr(settings, name, value)
    base = load_baseline(cache_file)
    base.warm()  # the first request is as fast as the next
    _state["baseline"] = base


def ready() -> int:
    """A job that only says the worker has loaded its baseline (its process id)."""
    import os
    import time

    time.sleep(0.05)  # keep this worker busy a moment, so the next job starts another one
    return os.getpid()


def check(body: bytes, name: str | None, repair: bool, fmt: str) -> Outcome:
    """``plan_check.json`` (``fmt="json"``; ``"json-kort"``: the same content compact, see
    :func:`afweging.analyses.plan.report.checks_json`) or ``plan_check.html`` of one plan
    (GeoJSON)."""
    return _answer(lambda tmp: _report([_read(body, name, repair, Path(tmp))], fmt, repair=repair))


def variants(body: bytes, repair: bool, fmt: str) -> Outcome:
    """Variants side by side: ``body`` is ``{"varianten": [{"naam": ..., "plan": {...}}]}``."""
    from afweging._errors import PlanError

    def job(tmp: str) -> Outcome:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PlanError(f"varianten: het verzoek is geen geldige JSON ({exc}). Stuur "
                            f'{{"varianten": [{{"naam": "A", "plan": {{...GeoJSON...}}}}, ...]}}.') from exc
        items = doc.get("varianten") if isinstance(doc, dict) else None
        if not isinstance(items, list) or not items or not all(isinstance(v, dict) for v in items):
            raise PlanError('varianten: geef een niet-lege lijst "varianten" van {"naam": ..., "plan": '
                            "{...GeoJSON FeatureCollection...}}.")
        if len(items) > MAX_VARIANTS:
            raise PlanError(f"varianten: {len(items)} varianten; de studio vergelijkt er hoogstens "
                            f"{MAX_VARIANTS} tegelijk. Kies de varianten die u naast elkaar wilt zien.")
        plans, problems = [], []
        for i, item in enumerate(items):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            try:
                raw = json.dumps(item.get("plan"), ensure_ascii=False).encode("utf-8")
                plans.append(_read(raw, item.get("naam"), repair, folder))
            except PlanError as exc:  # every variant's problems at once, as the command does
                problems.append(str(exc))
        if problems:
            raise PlanError("\n".join(problems))
        return _report(plans, fmt, repair=repair)

    return _answer(job)


def plan_file(data: bytes, filename: str) -> Outcome:
    """A plan file (GeoJSON or GeoPackage, any CRS) as a GeoJSON FeatureCollection in
    WGS84 with its properties as written, for the page to edit (not yet validated)."""
    from afweging._errors import PlanError
    from afweging.analyses.plan.format import read_plan_frame

    def job(tmp: str) -> Outcome:
        label = safe_filename(filename, default_suffix="")
        if Path(label).suffix.lower() not in SUFFIXES:
            raise PlanError(f"{label}: de studio leest plannen als GeoJSON (.geojson, .json) of "
                            f"GeoPackage (.gpkg). Sla het plan in een van die formaten op.")
        path = Path(tmp) / label
        path.write_bytes(data)
        frame = read_plan_frame(path, label=label).to_crs("EPSG:4326")
        doc = json.loads(frame.to_json(na="null", drop_id=True))
        doc["name"] = Path(label).stem
        return Outcome(200, json.dumps(doc, ensure_ascii=False), "application/geo+json")

    return _answer(job)


# ============================================================================ helpers
def _answer(job: Any) -> Outcome:
    """Run ``job(tmp_folder)``; warnings about the plan and failures become the answer."""
    from afweging._errors import AfwegingError
    from afweging._failure import explain

    cpu, wall = time.process_time(), time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught, \
                tempfile.TemporaryDirectory(prefix="afweging-studio-") as tmp:
            warnings.simplefilter("always")
            outcome: Outcome = job(tmp)
    except Exception as exc:  # every failure a Dutch message, never a traceback
        failure = explain(exc)
        return Outcome(422 if isinstance(exc, AfwegingError) else 500,
                       json.dumps({"detail": failure.message}, ensure_ascii=False),
                       cpu_ms=1000 * (time.process_time() - cpu),
                       wall_ms=1000 * (time.perf_counter() - wall))
    seen: list[str] = []
    for w in caught:
        msg = str(w.message)
        if msg not in seen and not issubclass(w.category, DeprecationWarning | FutureWarning):
            seen.append(msg)
    return Outcome(outcome.status, outcome.body, outcome.media_type, seen,
                   cpu_ms=1000 * (time.process_time() - cpu), wall_ms=1000 * (time.perf_counter() - wall))


def _read(body: bytes, name: Any, repair: bool, folder: Path) -> Any:
    """A plan sent as GeoJSON, read like the file ``<name>.geojson`` given to ``afweging plan``."""
    from afweging.analyses.plan.format import read_plan

    doc = _plan_json(body)
    if not isinstance(name, str) or not name.strip():
        member = doc.get("name")  # GDAL writes the layer name there
        name = member if isinstance(member, str) and member.strip() else "plan"
    label = safe_filename(name, default_suffix=".geojson")
    path = folder / label
    path.write_bytes(body)
    return read_plan(path, name=name.strip(), repair=repair, label=label)


def _plan_json(body: bytes) -> dict[str, Any]:
    """The GeoJSON object sent; a body that is none is refused in the plan format's words."""
    from afweging._errors import PlanError

    try:
        doc = json.loads(body)
    except UnicodeDecodeError as exc:
        raise PlanError("het plan is geen UTF-8-tekst. Stuur een GeoJSON FeatureCollection "
                        "(UTF-8), zie docs/plan_format.md.") from exc
    except ValueError as exc:
        raise PlanError(f"het plan is geen geldige JSON ({exc}). Stuur een GeoJSON "
                        "FeatureCollection, zie docs/plan_format.md.") from exc
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind not in ("FeatureCollection", "Feature"):
        raise PlanError('het plan is geen GeoJSON FeatureCollection (het mist "type": '
                        '"FeatureCollection"). Stuur {"type": "FeatureCollection", "features": '
                        "[...]}, zie docs/plan_format.md.")
    return doc


def safe_filename(name: str, *, default_suffix: str) -> str:
    """A file name made of ``name``: letters, digits, space, ``-_.()``, at most 80
    characters; never a path.

    Examples
    --------
    >>> safe_filename("../../etc/passwd", default_suffix=".geojson")
    'etc_passwd.geojson'
    >>> safe_filename("Variant A (laag)", default_suffix=".geojson")
    'Variant A (laag).geojson'
    >>> safe_filename("plan.gpkg", default_suffix="")
    'plan.gpkg'
    """
    text = re.sub(r"[^\w\-. ()]+", "_", str(name), flags=re.UNICODE)
    text = re.sub(r"_+", "_", text).strip(" ._")[:80].strip(" ._") or "plan"
    if default_suffix and not text.lower().endswith(default_suffix):
        text += default_suffix
    return text


def _report(plans: list[Any], fmt: str, *, repair: bool) -> Outcome:
    from afweging.analyses.plan import check_plans
    from afweging.analyses.plan.report import checks_html, checks_json

    base = _state["baseline"]
    checks = check_plans(base.area, plans, baseline=base, repair=repair)
    if fmt == "html":
        return Outcome(200, checks_html(checks), "text/html; charset=utf-8")
    return Outcome(200, checks_json(checks, compact=fmt == FORMAT_COMPACT))
