"""What the CLI says when a command fails: a Dutch message, an exit code, a log file.

* The toolkit's own errors (:class:`~afweging._errors.AfwegingError`) are bad input or an
  unusable source: their message already names the file, the field and the fix. Exit 2.
* Errors of the operating system (a file that cannot be read or written, a full disk) and a
  file that is not UTF-8: a Dutch message naming the file. Exit 2.
* Anything else is an internal error (a bug, or too little memory): exit 1, with the
  traceback in a log file whose path is printed (``--debug`` prints the traceback too).
"""

from __future__ import annotations

import errno
import os
import platform
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from afweging._errors import AfwegingError

#: Exit codes.
BAD_INPUT, INTERNAL = 2, 1

_OS_REASONS = {
    errno.ENOENT: ("bestaat niet", "Controleer het pad."),
    errno.EACCES: ("geen toegang", "Controleer de rechten, of kies een andere map of een ander bestand."),
    errno.EPERM: ("geen toestemming", "Controleer de rechten, of kies een andere map of een ander bestand."),
    errno.EROFS: ("staat op een alleen-lezen schijf", "Kies een map waarin u mag schrijven."),
    errno.ENOSPC: ("de schijf is vol", "Maak ruimte vrij of kies een andere schijf voor --out."),
    errno.EISDIR: ("is een map, geen bestand", "Geef het pad van een bestand."),
    errno.ENOTDIR: ("een deel van het pad is geen map", "Controleer het pad."),
    errno.ENAMETOOLONG: ("het pad is te lang", "Kies een korter pad."),
}


@dataclass(frozen=True)
class Failure:
    """How a failed command ends: the Dutch message and the exit code; ``log`` is the file
    holding the traceback (None for the toolkit's own errors)."""

    message: str
    exit_code: int
    log: Path | None = None


def explain(exc: BaseException) -> Failure:
    """The Dutch message and exit code for ``exc`` (writing a log file where useful)."""
    if isinstance(exc, AfwegingError):
        return Failure(str(exc), BAD_INPUT)
    log = write_log(exc)
    # a file or disk problem; an OSError with neither errno nor file name (a library's
    # 'No valid workers found') is not one and ends below, with its log
    if isinstance(exc, OSError) and (exc.errno is not None or exc.filename is not None):
        where = exc.filename or "een bestand"
        reason, fix = _OS_REASONS.get(exc.errno or -1, (exc.strerror or str(exc), "Controleer het pad en de rechten."))
        return Failure(f"{where}: {reason}. {fix}", BAD_INPUT, log)
    if isinstance(exc, UnicodeDecodeError):
        return Failure(
            f"een invoerbestand is niet als UTF-8 opgeslagen ({exc.reason}, byte {exc.object[exc.start:exc.start + 1]!r}). "
            f"Sla het bestand op als UTF-8 en probeer het opnieuw. Details: {log}", BAD_INPUT, log)
    if isinstance(exc, MemoryError):
        return Failure(
            "het werkgeheugen is op. Reken een kleiner gebied door, sluit andere programma's, of "
            f"gebruik een computer met meer geheugen. Details: {log}", INTERNAL, log)
    return Failure(
        f"interne fout in afweging ({type(exc).__name__}: {exc}). Dit ligt niet aan uw invoer; "
        f"meld het met het logbestand {log} (met --debug ziet u de details meteen).", INTERNAL, log)


def log_folder() -> Path:
    """Where failure logs go: ``settings.cache_folder / "logs"``, else the temp folder."""
    from afweging import settings

    return Path(settings.cache_folder) / "logs"


def write_log(exc: BaseException) -> Path:
    """Write the traceback, the command line and the versions to a new log file."""
    import afweging

    text = (
        f"afweging {afweging.__version__}, Python {platform.python_version()}, {platform.platform()}\n"
        f"opdracht: {' '.join(sys.argv)}\n\n"
        + "".join(traceback.format_exception(exc))
    )
    name = f"fout-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (log_folder(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return Path(os.devnull)
