"""``afweging batch``: which gemeenten, from which sources, then :func:`run_batch`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from afweging._errors import ConfigError
from afweging.batch.api import BatchResult, run_batch

_CODE = re.compile(r"^GM\d{4}$")


def parse_codes(text: str, *, what: str = "--gemeenten") -> list[str]:
    """Gemeentecodes from ``"GM0344,GM0363"`` (spaces allowed, upper-cased, checked).

    Examples
    --------
    >>> parse_codes("gm0344, GM0363")
    ['GM0344', 'GM0363']
    """
    codes = [c.strip().upper() for c in text.split(",") if c.strip()]
    bad = [c for c in codes if not _CODE.match(c)]
    if bad or not codes:
        raise ConfigError(
            f"{what}: {', '.join(bad) or repr(text)} is geen gemeentecode; geef CBS-codes als "
            f"GM0344,GM0363 (GM en vier cijfers), komma-gescheiden."
        )
    return list(dict.fromkeys(codes))


def batch_command_main(
    *,
    gemeenten: str | None,
    provincie: str | None,
    alle: bool,
    bronnen: Path | None,
    data: Path | None,
    manifest: Path | None,
    demoregio: bool,
    woningen: int,
    out: Any,
    workers: int | None,
    scheduler: str | None,
    memory: str,
    ranking: str,
    norms: Path | None,
    priorities: Path | None,
    progress: Callable[[str], None],
) -> BatchResult:
    """The CLI runner of ``afweging batch`` (Dutch errors as :class:`ConfigError`)."""
    from afweging.batch import sources as src

    kinds = [k for k, on in (("--demoregio", demoregio), ("--bronnen", bronnen is not None),
                             ("--data", data is not None), ("--manifest", manifest is not None)) if on]
    if len(kinds) != 1:
        raise ConfigError(
            "Kies één bron: --demoregio (synthetisch), --bronnen SJABLOON.toml (online bronnen), "
            "--data MAP (opgehaalde bestanden per gemeente) of --manifest BATCH.toml (per gemeente "
            f"een map of een sjabloon); gegeven: {', '.join(kinds) or 'geen'}."
        )
    selections = [k for k, on in (("--gemeenten", gemeenten is not None and not demoregio),
                                  ("--provincie", provincie is not None), ("--alle", alle)) if on]
    if len(selections) > 1:
        raise ConfigError(f"Kies één van --gemeenten, --provincie en --alle; gegeven: {', '.join(selections)}.")
    out_dir = Path(getattr(out, "out", out))
    common: dict[str, Any] = {"out": out, "workers": workers, "scheduler": scheduler,
                              "memory_limit": memory, "ranking": ranking, "norms": norms,
                              "priorities": priorities, "progress": progress}
    if demoregio:
        from afweging.data.region import demo_region

        if provincie or alle:
            raise ConfigError("--provincie en --alle gaan over echte gemeenten, niet over de demoregio.")
        count, codes = 6, None
        if gemeenten is not None and gemeenten.strip().isdigit():
            count = int(gemeenten)
        elif gemeenten is not None:
            codes = parse_codes(gemeenten)
        if not 2 <= count <= 12:
            raise ConfigError(f"--gemeenten {count}: de demoregio heeft 2 tot 12 gemeenten.")
        if woningen < 1000:
            raise ConfigError(f"--woningen {woningen}: geef minstens 1000 woningen voor de demoregio.")
        progress(f"De synthetische demoregio maken ({count} gemeenten, ongeveer {woningen} woningen) ...")
        region = demo_region(count, woningen)
        return run_batch(codes, region=region, **common)
    codes_wanted: list[str] | None = parse_codes(gemeenten) if gemeenten else None
    names: dict[str, str] = {}
    batch_manifest = src.read_batch_manifest(manifest) if manifest is not None else None
    if provincie or alle:
        known = batch_manifest.provinces if batch_manifest is not None else {}
        complete = batch_manifest is not None and set(known) == set(batch_manifest.entries)
        codes_wanted, names = src.gemeente_codes(provincie=None if alle else provincie, progress=progress,
                                                 provinces=known if complete else None)
    if batch_manifest is not None:
        codes = codes_wanted if codes_wanted is not None else list(batch_manifest.entries)
        sources = batch_manifest.sources(codes, out_dir, names)
        return run_batch(None, sources=sources, name=batch_manifest.name, **common)
    if data is not None:
        sources = src.folder_sources(data, codes_wanted, names)
        return run_batch(None, sources=sources, name=data.name, **common)
    assert bronnen is not None
    if codes_wanted is None:
        raise ConfigError("--bronnen is een sjabloon voor elke gemeente: zeg welke met --gemeenten, "
                          "--provincie of --alle.")
    sources = src.template_sources(bronnen, codes_wanted, out_dir, names)
    return run_batch(None, sources=sources, name=bronnen.stem, **common)
