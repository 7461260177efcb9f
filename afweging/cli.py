"""The ``afweging`` command (messages in Dutch)."""

from __future__ import annotations

import logging
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from afweging._errors import AfwegingError


def _echo_warning(message: warnings.WarningMessage | str) -> None:
    click.secho(f"  let op: {message}", fg="yellow", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="afweging")
@click.option("-v", "--verbose", is_flag=True, help="Meer uitvoer (logging).")
def main(verbose: bool) -> None:
    """afweging: ruimtelijke afweging voor Nederlandse gemeenten.

    Lagen per buurt (groen, hitte, geluid, sociale huur, voorzieningen), de
    Utrechtse barcode, de 10-minutenstad, prioriteiten en de plantoets.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


def _load(area_path: Path | None):
    if area_path is None:
        from afweging.data.demo import demo_area

        click.echo("Geen --area opgegeven: het synthetische demogebied wordt gebruikt.")
        return demo_area()
    from afweging.data.manifest import load_area

    return load_area(area_path)


@main.command()
@click.option("--area", "area_path", type=click.Path(path_type=Path), default=None,
              help="Pad naar een gebiedsmanifest (area.toml). Zonder: het demogebied.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("afweging-uitvoer"),
              show_default=True, help="Map voor de uitvoer.")
@click.option("--norms", "norms", type=click.Path(path_type=Path), default=None,
              help="Eigen normen (TOML) die de meegeleverde normen overschrijven.")
@click.option("--priorities", "priorities", type=click.Path(path_type=Path), default=None,
              help="Eigen instellingen voor de prioriteiten (TOML).")
def run(area_path: Path | None, out_dir: Path, norms: Path | None, priorities: Path | None) -> None:
    """Reken alles door en schrijf kaarten, barcode, prioriteiten en rapport."""
    from afweging.pipeline import run as run_pipeline

    def job() -> Any:
        click.echo("Gebied laden ...")
        area = _load(area_path)
        return run_pipeline(area, out_dir, progress=_progress, norms=norms, priorities=priorities)

    _execute(job, out_dir)


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--area", "area_path", type=click.Path(path_type=Path), default=None,
              help="Pad naar een gebiedsmanifest (area.toml). Zonder: het demogebied.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("afweging-plantoets"),
              show_default=True, help="Map voor plan_check.html en plan_check.json.")
@click.option("--norms", "norms", type=click.Path(path_type=Path), default=None,
              help="Eigen normen (TOML) die de meegeleverde normen overschrijven.")
@click.option("--herstel", "repair", is_flag=True,
              help="Herstel ongeldige (bijv. zelfdoorsnijdende) vlakken met een waarschuwing "
                   "in plaats van ze te weigeren.")
def plan(plans: tuple[Path, ...], area_path: Path | None, out_dir: Path, norms: Path | None, repair: bool) -> None:
    """Toets een plan aan de barcode en de 10-minutenstad; meer plannen = varianten naast elkaar."""
    from afweging.analyses.plan import plan_command_main

    _execute(
        lambda: plan_command_main(list(plans), area_path, out_dir, norms=norms, repair=repair,
                                  progress=_progress),
        out_dir,
    )


def _progress(message: str) -> None:
    click.echo(f"{message} ...")


def _execute(job: Callable[[], Any], out_dir: Path) -> None:
    """Run a command's job: data caveats as 'let op' lines, errors in red with exit code 2,
    then the Dutch summary and the files written (``job`` returns an object with
    ``summary`` and ``files``)."""
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = job()
        for w in _unique(caught):
            _echo_warning(w)
    except AfwegingError as exc:
        click.secho(f"Fout: {exc}", fg="red", err=True)
        sys.exit(2)
    click.echo("")
    for line in result.summary:
        click.echo(line)
    click.echo("")
    click.echo(f"Uitvoer in {out_dir} ({time.perf_counter() - t0:.1f} s):")
    for f in result.files:
        click.echo(f"  {f.name}")


def _unique(caught: list[warnings.WarningMessage]) -> list[str]:
    seen: list[str] = []
    for w in caught:
        msg = str(w.message)
        if msg not in seen and not issubclass(w.category, DeprecationWarning | FutureWarning):
            seen.append(msg)
    return seen


if __name__ == "__main__":  # pragma: no cover
    main()
