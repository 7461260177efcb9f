"""The ``afweging`` command (messages in Dutch)."""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from afweging._failure import explain
from afweging._outputs import OutputFolder


def _echo_warning(message: warnings.WarningMessage | str) -> None:
    click.secho(f"  let op: {message}", fg="yellow", err=True)


def _echo_caveats(messages: list[str], result: Any) -> None:
    """One 'let op' line per cause; where one line stands for several messages, say
    where they all are (the report among the files written)."""
    from afweging._caveats import group_caveats

    groups = group_caveats(messages)
    for group in groups:
        _echo_warning(group.line)
    if len(groups) < len(messages):
        reports = [f.name for f in getattr(result, "files", []) or []
                   if f.name in ("rapport.html", "plan_check.html")]
        where = f"in {reports[0]}" if reports else "in het rapport"
        click.secho(f"  (alle {len(messages)} meldingen staan {where}, onder 'Kanttekeningen bij de "
                    f"gegevens')", fg="yellow", err=True)


#: Click's English texts for a wrong value (the types the commands use), in Dutch.
_VALUE_TEXTS = (
    (re.compile(r"^(?P<v>.+) is not a valid integer( range)?\.$"), "{v} is geen geheel getal."),
    (re.compile(r"^(?P<v>.+) is not a valid float( range)?\.$"), "{v} is geen getal (gebruik een punt: 2.5)."),
    (re.compile(r"^(?P<v>.+) is not in the range (?P<r>.+)\.$"), "{v} ligt niet in het bereik {r}."),
    (re.compile(r"^(?P<v>.+) is not (one of )?(?P<r>.+)\.$"), "{v} is geen van de keuzes {r}."),
)


def _dutch_usage(exc: click.UsageError) -> str:
    """Click's message for a wrong command line, in Dutch (unknown cases keep click's text)."""
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx) if exc.ctx is not None else exc.param.name
        kind = "optie" if isinstance(exc.param, click.Option) else "argument"
        return f"{kind} {hint} ontbreekt; deze is verplicht."
    if isinstance(exc, click.NoSuchOption):
        maybe = f" Bedoelde u {' of '.join(exc.possibilities)}?" if exc.possibilities else ""
        return f"onbekende optie {exc.option_name}.{maybe}"
    if isinstance(exc, click.BadParameter):
        text = exc.message
        for pattern, dutch in _VALUE_TEXTS:
            m = pattern.match(text)
            if m:
                text = dutch.format(**m.groupdict())
                break
        hint = (exc.param_hint if isinstance(exc.param_hint, str) else None) or (
            exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx is not None else "")
        return f"ongeldige waarde voor {hint}: {text}" if hint else f"ongeldige waarde: {text}"
    m = re.match(r"^Got unexpected extra arguments? \((?P<a>.*)\)$", exc.message)
    if m:
        return f"onverwacht extra argument: {m['a']}. Zet de optie waar het bij hoort ervoor (zie --help)."
    m = re.match(r"^No such command (?P<c>.+)\.$", exc.message)
    if m:
        return f"onbekende opdracht {m['c']}."
    m = re.match(r"^Option (?P<o>.+) requires an argument\.$", exc.message)
    if m:
        return f"optie {m['o']} heeft een waarde nodig."
    return exc.message


class _DutchUsageError(click.UsageError):
    """A wrong command line, shown as the usage line and one Dutch ``Fout:`` line."""

    def show(self, file: Any = None) -> None:
        if self.ctx is not None:
            click.echo(self.ctx.get_usage().replace("Usage:", "Gebruik:", 1), err=True)
            click.echo(f"Zie '{self.ctx.command_path} --help' voor alle opties.\n", err=True)
        click.secho(f"Fout: {self.message}", fg="red", err=True)


#: click's own help texts, as a planner reads them.
_HELP_HEADINGS = {"Options": "Opties", "Commands": "Opdrachten", "Positional arguments": "Argumenten"}
_HELP_EXTRAS = ((re.compile(r"\[default: "), "[standaard: "), (re.compile(r"\[required\]"), "[verplicht]"),
                (re.compile(r"; required\]"), "; verplicht]"), (re.compile(r"\[env var: "), "[omgevingsvariabele: "))


#: click's names for the kinds of values (the options' metavars).
_METAVAR_NL = {"INTEGER RANGE": "GETAL", "FLOAT RANGE": "GETAL", "INTEGER": "GETAL", "FLOAT": "GETAL",
               "TEXT": "TEKST", "PATH": "PAD", "FILENAME": "BESTAND", "DIRECTORY": "MAP", "BOOLEAN": "JA/NEE"}
_METAVARS = re.compile(r"\b(?:" + "|".join(map(re.escape, _METAVAR_NL)) + r")\b")


class _DutchFormatter(click.HelpFormatter):
    """click's help layout with Dutch headings, usage prefix and option extras."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "Gebruik: " if prefix is None else prefix)

    def section(self, name: str) -> Any:
        return super().section(_HELP_HEADINGS.get(name, name))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        def dutch(text: str) -> str:
            for pattern, repl in _HELP_EXTRAS:
                text = pattern.sub(repl, text)
            return text

        super().write_dl([(_METAVARS.sub(lambda m: _METAVAR_NL[m[0]], a), dutch(b)) for a, b in rows],
                         col_max, col_spacing)


class _DutchContext(click.Context):
    formatter_class = _DutchFormatter


class _DutchHelp:
    """Dutch help for a click command or group (a mixin before the click class)."""

    context_class = _DutchContext

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        return [{"[OPTIONS]": "[OPTIES]", "COMMAND [ARGS]...": "OPDRACHT [ARGUMENTEN]..."}.get(p, p)
                for p in pieces]

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:
            opt.help = "Toon deze hulp en stop."
        return opt


class _DutchCommand(_DutchHelp, click.Command):
    """A command whose help is in Dutch (its errors go through :class:`_DutchGroup`)."""


class _DutchGroup(_DutchHelp, click.Group):
    """A command group whose command-line errors and help are in Dutch (exit code 2 for a
    wrong command line, as click's)."""

    command_class = _DutchCommand

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except _DutchUsageError:
            raise
        except click.UsageError as exc:
            raise _DutchUsageError(_dutch_usage(exc), exc.ctx) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _DutchUsageError:
            raise
        except click.UsageError as exc:
            raise _DutchUsageError(_dutch_usage(exc), exc.ctx) from exc


@click.group(cls=_DutchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="afweging", help="Toon de versie en stop.", message="%(prog)s, versie %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Meer uitvoer (logging).")
@click.option("--debug", is_flag=True,
              help="Toon bij een fout de volledige technische details (traceback).")
@click.pass_context
def main(ctx: click.Context, verbose: bool, debug: bool) -> None:
    """afweging: ruimtelijke afweging voor Nederlandse gemeenten.

    Lagen per buurt (groen, hitte, geluid, sociale huur, voorzieningen), de
    Utrechtse barcode, de 10-minutenstad, prioriteiten, de plantoets, de locatiekeuze en
    scenario's (groei in balans).
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    ctx.obj = {"debug": debug}


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

    def job(out: OutputFolder) -> Any:
        click.echo("Gebied laden ...")
        area = _load(area_path)
        return run_pipeline(area, out, progress=_progress, norms=norms, priorities=priorities)

    _execute(job, out_dir, kind="run")


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PLAN...")
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
        lambda out: plan_command_main(list(plans), area_path, out, norms=norms, repair=repair,
                                      progress=_progress),
        out_dir, kind="plan",
    )


@main.command()
@click.option("--gemeenten", "gemeenten", default=None,
              help="Gemeentecodes, komma-gescheiden (GM0344,GM0363); met --demoregio ook een aantal.")
@click.option("--provincie", "provincie", default=None, help="Alle gemeenten van een provincie (PV26).")
@click.option("--alle", "alle", is_flag=True, help="Alle gemeenten van Nederland.")
@click.option("--bronnen", "bronnen", type=click.Path(path_type=Path), default=None,
              help="Sjabloon met online bronnen (area.toml met {gemeentecode}).")
@click.option("--data", "data", type=click.Path(path_type=Path), default=None,
              help="Map met per gemeente een map met area.toml (opgehaalde bestanden; de gemeente "
                   "volgt uit gemeentecode in area.toml of de mapnaam GM0344).")
@click.option("--manifest", "manifest", type=click.Path(path_type=Path), default=None,
              help="Batchmanifest (TOML): per gemeente een map met opgehaalde bestanden of een "
                   "sjabloon met online bronnen.")
@click.option("--demoregio", "demoregio", is_flag=True, help="De synthetische demoregio.")
@click.option("--woningen", "woningen", type=int, default=12_000, show_default=True,
              help="Aantal woningen van de demoregio.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("afweging-batch"),
              show_default=True, help="Map voor de uitvoer.")
@click.option("--workers", "workers", type=click.IntRange(min=1), default=None,
              help="Werkers van het lokale Dask-cluster (standaard: het aantal kernen).")
@click.option("--scheduler", "scheduler", default=None,
              help="Adres van een draaiende Dask-scheduler (tcp://host:8786); 'in-process': zonder Dask.")
@click.option("--geheugen", "memory", default="auto", show_default=True,
              help="Geheugengrens per werker (bijv. 4GB).")
@click.option("--rangschikking", "ranking", type=click.Choice(["landelijk", "gemeente"]),
              default="landelijk", show_default=True,
              help="Prioriteiten en hitte-proxy over alle buurten samen of binnen elke gemeente.")
@click.option("--norms", "norms", type=click.Path(path_type=Path), default=None,
              help="Eigen normen (TOML).")
@click.option("--priorities", "priorities", type=click.Path(path_type=Path), default=None,
              help="Eigen instellingen voor de prioriteiten (TOML).")
def batch(**options: Any) -> None:
    """Reken veel gemeenten door, per gemeente met een grensbuffer, op Dask."""
    from afweging.batch.command import batch_command_main

    out_dir = options.pop("out_dir")
    _execute(lambda out: batch_command_main(out=out, progress=_progress_line, **options), out_dir, kind="batch")


@main.command()
@click.option("--area", "area_path", type=click.Path(path_type=Path), required=True,
              help="Gebiedsmanifest met online bronnen (bijv. examples/utrecht_online.toml).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Map voor de opgehaalde bestanden en het nieuwe area.toml.")
def fetch(area_path: Path, out_dir: Path) -> None:
    """Haal alle online bronnen van een manifest één keer op, als gewone bestanden.

    Schrijft GeoPackage, CSV, GraphML en GeoTIFF in de map, met een area.toml dat per
    onderdeel bron, licentie, adres en ophaaldatum noemt. Daarna rekent afweging run
    --area MAP/area.toml zonder internet. Een tweede keer haalt alleen op wat ontbreekt.
    """
    from afweging.data.fetch import fetch_area

    t0 = time.perf_counter()
    try:
        with _stop_on_sigterm(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fetch_area(area_path, out_dir, say=click.echo)
        for w in _unique(caught):
            _echo_warning(w)
    except KeyboardInterrupt:
        click.secho(f"Afgebroken. Wat al binnen was staat in {out_dir}; nog eens `afweging fetch` haalt de rest op.",
                    fg="red", err=True)
        sys.exit(130)
    except Exception as exc:  # every failure becomes a Dutch message, never a traceback
        _fail(exc)
    click.echo("")
    for line in result.summary:
        click.echo(line)
    click.echo(f"({time.perf_counter() - t0:.1f} s)")


def _progress_line(message: str) -> None:
    click.echo(message)


@main.command()
@click.option("--vraag", "question", type=click.Choice(["speelplek", "ontmoetingsplek", "voorzieningen"]),
              default="speelplek", show_default=True,
              help="Wat er bij komt: speelplek (kinderen), ontmoetingsplek (inwoners, 65-plussers) "
                   "of voorzieningen (een cluster van alle dagelijkse voorzieningen; iedereen).")
@click.option("--aantal", "n", type=click.IntRange(min=1), required=True,
              help="Hoeveel nieuwe locaties er hoogstens bij komen.")
@click.option("--area", "area_path", type=click.Path(path_type=Path), default=None,
              help="Pad naar een gebiedsmanifest (area.toml). Zonder: het demogebied.")
@click.option("--kandidaten", "candidates", type=click.Path(path_type=Path), default=None,
              help="GeoPackage/GeoJSON met beschikbare kavels (punten of vlakken; optioneel id, "
                   "naam, vast). Zonder: openbare ruimte, anders een raster over de buurten.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("afweging-locaties"),
              show_default=True, help="Map voor locaties.gpkg, locaties.csv, kaart.html en rapport.html.")
@click.option("--min-per-wijk", "min_per_wijk", type=click.IntRange(min=0), default=0, show_default=True,
              help="Minstens zoveel locaties in elke wijk met kandidaten.")
@click.option("--max-per-buurt", "max_per_buurt", type=click.IntRange(min=1), default=None,
              help="Hoogstens zoveel locaties per buurt.")
@click.option("--vast", "fixed", multiple=True,
              help="Id van een kandidaat die zeker gekozen wordt (herhaalbaar).")
@click.option("--tijdslimiet", "time_limit_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconden voor de exacte oplossing (standaard 60); daarna de beste gevonden "
                   "oplossing met de afstand tot het optimum.")
@click.option("--raster-m", "spacing_m", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Afstand tussen gegenereerde kandidaten in meters (standaard een kwart van de norm).")
@click.option("--export-problem", "problem_path", type=click.Path(path_type=Path), default=None,
              help="Schrijf het dekkingsprobleem ook als .npz (formaat: docs/location_problem.md).")
@click.option("--priorities", "priorities", type=click.Path(path_type=Path), default=None,
              help="Eigen instellingen voor de prioriteiten (TOML): normen, doelgroepen, behoefte.")
def locaties(question: str, n: int, area_path: Path | None, candidates: Path | None, out_dir: Path,
             min_per_wijk: int, max_per_buurt: int | None, fixed: tuple[str, ...],
             time_limit_s: float | None, spacing_m: float | None, problem_path: Path | None,
             priorities: Path | None) -> None:
    """Kies waar N nieuwe speelplekken, ontmoetingsplekken of voorzieningen het meest helpen.

    Exact (HiGHS) over de hele stad, gewogen naar behoefte per buurt, vergeleken met de
    gretige keuze.
    """
    from afweging.analyses.locations import locations_command_main

    _execute(
        lambda out: locations_command_main(
            question, n, area_path, out, candidates=candidates, min_per_wijk=min_per_wijk,
            max_per_buurt=max_per_buurt, fixed=fixed, time_limit_s=time_limit_s,
            spacing_m=spacing_m, problem_path=problem_path, priorities=priorities,
            progress=_progress,
        ),
        out_dir, kind="locaties",
    )


@main.command()
@click.argument("scenario_file", required=False, type=click.Path(path_type=Path), metavar="[SCENARIO]")
@click.option("--area", "area_path", type=click.Path(path_type=Path), default=None,
              help="Pad naar een gebiedsmanifest (area.toml). Zonder: het gebied uit het scenario, "
                   "anders het demogebied.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("afweging-scenario"),
              show_default=True, help="Map voor de uitvoer.")
@click.option("--norms", "norms", type=click.Path(path_type=Path), default=None,
              help="Eigen normen (TOML) die de meegeleverde normen overschrijven.")
@click.option("--priorities", "priorities", type=click.Path(path_type=Path), default=None,
              help="Eigen instellingen voor de prioriteiten (TOML).")
def scenario(scenario_file: Path | None, area_path: Path | None, out_dir: Path, norms: Path | None,
             priorities: Path | None) -> None:
    """Groei in balans: de stad in het doeljaar met bevolkingsprognose en woningbouwprogramma.

    SCENARIO is een scenario (TOML, zie docs/scenario_format.md); zonder: het
    gegenereerde scenario van het demogebied.
    """
    from afweging.scenarios.command import scenario_command_main

    _execute(
        lambda out: scenario_command_main(scenario_file, area_path, out, norms=norms, priorities=priorities,
                                          progress=_progress),
        out_dir, kind="scenario",
    )


@main.command()
@click.option("--area", "area_path", type=click.Path(path_type=Path), default=None,
              help="Pad naar een gebiedsmanifest (area.toml). Zonder: het demogebied.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="Poort van de studio.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adres waarop de studio luistert. Standaard alleen deze computer.")
@click.option("--no-browser", "no_browser", is_flag=True, help="Open geen browser.")
@click.option("--norms", "norms", type=click.Path(path_type=Path), default=None,
              help="Eigen normen (TOML) die de meegeleverde normen overschrijven.")
@click.option("--workers", type=click.IntRange(1, 16), default=None,
              help="Aantal rekenprocessen (standaard: het aantal processorkernen, hoogstens 4).")
def studio(area_path: Path | None, port: int, host: str, no_browser: bool, norms: Path | None,
           workers: int | None) -> None:
    """Teken of laad een plan in de browser en zie de plantoets meteen."""
    from afweging.studio.command import is_local, studio_command_main

    try:
        if not is_local(host):
            click.secho(f"Let op: de studio luistert op {host}; andere computers in het netwerk "
                        "kunnen hem dan bereiken. Zonder --host alleen deze computer.",
                        fg="yellow", err=True)
        studio_command_main(area_path, host=host, port=port, norms=norms, open_browser=not no_browser,
                            workers=workers, say=click.echo)
    except KeyboardInterrupt:
        click.echo("De studio is gestopt.")
    except Exception as exc:  # every failure becomes a Dutch message, never a traceback
        _fail(exc)


def _progress(message: str) -> None:
    click.echo(f"{message} ...")


def _execute(job: Callable[[OutputFolder], Any], out_dir: Path, *, kind: str) -> None:
    """Run a command's job: the out folder is checked and locked first (before anything is
    computed), data caveats as 'let op' lines, then the Dutch summary and the files written (``job`` gets the open :class:`OutputFolder` and
    returns an object with ``summary`` and ``files``). Ctrl-C and SIGTERM stop the job
    with a message; the earlier outputs are then left as they were.

    Every failure ends in one red ``Fout:`` line (see :mod:`afweging._failure`): exit code 2
    for bad input, 1 for an internal error, whose traceback goes to a log file (and to the
    screen with ``afweging --debug``)."""
    t0 = time.perf_counter()
    folder = OutputFolder(out_dir, kind=kind)
    try:
        with _stop_on_sigterm(), folder as out:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = job(out)
            _echo_caveats(_unique(caught), result)
    except KeyboardInterrupt:
        done = "is compleet bijgewerkt" if folder.committed is not None else "is niet veranderd"
        click.secho(f"Afgebroken. De uitvoer in {out_dir} {done}.", fg="red", err=True)
        sys.exit(130)
    except Exception as exc:  # every failure becomes a Dutch message, never a traceback
        _fail(exc)
    click.echo("")
    for line in result.summary:
        click.echo(line)
    click.echo("")
    click.echo(f"Uitvoer in {out_dir} ({time.perf_counter() - t0:.1f} s):")
    for line in _listing(out_dir, result.files):
        click.echo(f"  {line}")
    failed = getattr(result, "failed", None)  # a batch: some gemeenten may have failed
    if failed:
        click.secho(f"Let op: {len(failed)} van {len(result.statuses)} gemeenten mislukt (zie 'Mislukt' "
                    "hierboven); de andere zijn wel geschreven. Herstel de oorzaak en draai dezelfde "
                    "opdracht opnieuw: alleen de mislukte gemeenten worden dan berekend.", fg="red", err=True)
        sys.exit(3)


def _listing(out_dir: Path, files: list[Path]) -> list[str]:
    """The written files, one line per file or per folder (``kaarten/ (11 bestanden)``)."""
    groups: dict[str, int] = {}
    for f in files:
        parts = f.relative_to(out_dir).parts
        key = parts[0] + ("/" if len(parts) > 1 else "")
        groups[key] = groups.get(key, 0) + 1
    return [f"{k} ({n} bestanden)" if k.endswith("/") else k for k, n in groups.items()]


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while a job runs, so it stops like Ctrl-C: the
    staging folder is removed and the lock released (SIGKILL cannot be caught; the next
    command in the folder cleans up after it)."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not in the main thread: leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(exc: BaseException) -> None:
    failure = explain(exc)
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    if root is not None and (root.obj or {}).get("debug"):
        click.echo("".join(traceback.format_exception(exc)), err=True)
    click.secho(f"Fout: {failure.message}", fg="red", err=True)
    sys.exit(failure.exit_code)


def _unique(caught: list[warnings.WarningMessage]) -> list[str]:
    seen: list[str] = []
    for w in caught:
        msg = str(w.message)
        if msg not in seen and not issubclass(w.category, DeprecationWarning | FutureWarning):
            seen.append(msg)
    return seen


if __name__ == "__main__":  # pragma: no cover
    main()
