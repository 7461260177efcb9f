"""The one output writer: every command writes its files through an :class:`OutputFolder`.

What it guarantees, for ``afweging run``, ``afweging plan`` and every later command:

* the out folder is checked **before** any computing (not an existing file, not a system
  folder such as ``/proc``, writable, symbolic links possible) and locked, so a second
  command into the same folder is refused with a clear message instead of racing;
* the new files are written into a staging folder inside the out folder and swapped in
  with **one** atomic rename, so an interruption at any moment (Ctrl-C, SIGTERM, SIGKILL,
  a full disk) leaves either the complete old set or the complete new set;
* the files it wrote are recorded (``manifest.json``); it only ever touches those, never
  a file of the user (``o/kaarten/mine.pdf`` survives), and it refuses to write over a
  file it did not write;
* outputs of an earlier run that the new run no longer makes are removed (its own only);
* staging folders left by a killed run are cleaned up by the next command in that folder.

Layout of an out folder ``o`` after ``afweging run --out o``::

    o/buurten.gpkg            -> .afweging/run/current/buurten.gpkg        (relative symlink)
    o/kaarten/thema_groen.png -> ../.afweging/run/current/kaarten/thema_groen.png
    o/kaarten/mine.pdf           a file of the user: never touched
    o/.afweging/lock             locked (flock) while a command works in o
    o/.afweging/run/current   -> v-<id>                                    (THE switch)
    o/.afweging/run/v-<id>/      the complete set of one run, with manifest.json

The visible names are relative symbolic links through ``current``, so replacing
``current`` (``rename(2)`` of a new link over it) switches every file at once. Because the
links are relative and the sets live inside ``o``, a copy of the folder (``cp -r``,
``zip -r``) stays intact. Each command keeps its own set (``run``, ``plan``, ...), so
``afweging plan --out o`` next to ``afweging run --out o`` leaves the other's files alone.

**File systems without symbolic links** (Windows without developer mode, SMB shares,
exFAT and FAT USB sticks, some synced folders): the probe in :meth:`OutputFolder.open`
finds that no link can be made and the folder is written in *copy mode* instead (also
chosen with ``AFWEGING_UITVOER_KOPIE=1``). The files are then real files in ``o``,
recorded in ``o/.afweging/<kind>/current.json`` with their size and SHA-256 (a file the
user changed is no longer ours and is never overwritten). A commit first writes a journal
(``journal.json``: the new version and the old record), then moves each old file aside
into ``oud-<id>/`` and the new one in (each an atomic ``rename`` within the folder), then
writes the new record and removes the journal: that is the commit point. Not one rename
switches everything here, so a process killed in the middle of the swap leaves a mix on
disk; the journal makes the next command in the folder (or the failing command itself,
on an exception or Ctrl-C) roll it back to the complete old set, or forward when the new
record was written. So after any interruption the folder holds the complete old or the
complete new set as soon as afweging touches it again.

Usage (the CLI opens the folder first, then computes, then the command commits)::

    with OutputFolder("uitvoer", kind="run") as out:   # checks and locks, before computing
        ...compute...
        frame.to_file(out.path("buurten.gpkg"))        # a path inside the staging folder
        files = out.commit()                           # the atomic swap
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from afweging._errors import AfwegingError

#: Hidden folder inside the out folder that holds the lock and the output sets.
STATE_DIR = ".afweging"

#: File in each output set listing its files (relative POSIX paths) and the folders made.
MANIFEST = "manifest.json"

#: Layout version written into the manifest.
MANIFEST_FORMAT = "afweging-uitvoer/1"

#: Folders that are never an out folder (virtual file systems of the operating system).
SYSTEM_DIRS: tuple[str, ...] = ("/proc", "/sys", "/dev")

#: Test hook: the writer pauses (sleeps) at this step of :meth:`OutputFolder.commit` after
#: printing ``afweging-pause <step>`` to stderr, so a test can kill it exactly there.
PAUSE_ENV = "AFWEGING_TEST_PAUSE"

_CURRENT = "current"
_VERSION_PREFIX = "v-"

#: Environment variable: ``1`` makes the writer copy files in (with a journal) instead of
#: showing them through symbolic links, also where links are possible.
COPY_ENV = "AFWEGING_UITVOER_KOPIE"

#: In copy mode: the record of the files in the out folder (the manifest plus its version)
#: and the journal of a swap under way.
_RECORD = "current.json"
_JOURNAL = "journal.json"
_BACKUP_PREFIX = "oud-"


class OutputError(AfwegingError, OSError):
    """The out folder cannot be used (a file, a system folder, not writable, a user file
    in the way)."""


class OutputBusyError(OutputError):
    """Another afweging command is writing into the same out folder."""


# ----------------------------------------------------------------------------- helpers
def _pause(step: str) -> None:
    if os.environ.get(PAUSE_ENV) == step:
        print(f"afweging-pause {step}", file=sys.stderr, flush=True)
        time.sleep(3600)


def _reason(exc: OSError) -> str:
    """A Dutch reason for an OS error."""
    reasons = {
        errno.EACCES: "geen schrijfrechten",
        errno.EPERM: "niet toegestaan",
        errno.EROFS: "alleen-lezen bestandssysteem",
        errno.ENOSPC: "de schijf is vol",
        errno.ENOTDIR: "een deel van het pad is een bestand, geen map",
        errno.ENOENT: "het pad bestaat niet",
        errno.ENAMETOOLONG: "de naam is te lang",
        errno.EDQUOT: "het schijfquotum is op",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


def _is_ours(link: Path, target: str) -> bool:
    """True when ``link`` is a symbolic link with exactly the text ``target``."""
    try:
        return link.is_symlink() and os.readlink(link) == target
    except OSError:
        return False


def _file_matches(path: Path, entry: dict[str, Any]) -> bool:
    """True when ``path`` is a regular file with the size and SHA-256 of ``entry``."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size != entry.get("bytes"):
            return False
        return file_sha256(path) == entry.get("sha256")
    except OSError:
        return False


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _link_target(kind: str, rel: str) -> str:
    """Text of the symbolic link at ``<out>/<rel>`` (relative to the link's folder)."""
    return "../" * rel.count("/") + f"{STATE_DIR}/{kind}/{_CURRENT}/{rel}"


def _valid_kind(kind: str) -> bool:
    return bool(kind) and kind.replace("_", "").isalnum() and kind.isascii()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _read_record(sets: Path) -> dict[str, Any] | None:
    """Copy mode's record of a command's files (``current.json``), or None."""
    try:
        doc = json.loads((sets / _RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _has_current(sets: Path) -> bool:
    """Whether a command's folder holds a committed set (either mode)."""
    return (sets / _CURRENT).is_symlink() or (sets / _RECORD).is_file()


def _under_system_dir(path: Path) -> str | None:
    text = str(path)
    for d in SYSTEM_DIRS:
        if text == d or text.startswith(d + "/"):
            return d
    return None


@contextlib.contextmanager
def fixed_gpkg_date() -> Iterator[None]:
    """GeoPackages record when they were written; a fixed date keeps them byte-identical.
    Write every GeoPackage inside this block."""
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and
    ``os.replace``: readers see the old file or the new one, never half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Let ``write`` make the file (a GeoPackage by GDAL, a Parquet file, a GraphML graph) at
    a temporary name in the same folder, then ``os.replace`` it into place: readers see the
    old file or the new one. The temporary name keeps the suffix (GDAL picks its driver by
    it) and is removed when ``write`` fails."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# ----------------------------------------------------------------------------- lock
class _Lock:
    """An exclusive, non-blocking lock on ``<out>/.afweging/lock``.

    The operating system releases it when the process ends, however it ends (also on
    SIGKILL), so a killed run never leaves a stale lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, out: Path) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                _lock_fd(fd)
            except BlockingIOError:
                holder = ""
                with contextlib.suppress(OSError, ValueError):
                    holder = os.read(fd, 32).decode("ascii").strip()
                os.close(fd)
                who = f" (proces {holder})" if holder.isdigit() else ""
                raise OutputBusyError(
                    f"In de map {out} is al een andere afweging-opdracht bezig{who}. Wacht tot "
                    f"die klaar is, of kies een andere map met --out. Twee opdrachten in één "
                    f"map tegelijk zouden elkaars uitvoer overschrijven."
                ) from None
            # the lock file may have been removed (and recreated) between open and lock
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self.fd = fd

    def release(self, *, remove: bool = False) -> None:
        if self.fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        os.close(self.fd)  # closing releases the lock
        self.fd = None


def _lock_fd(fd: int) -> None:
    """Lock ``fd`` exclusively without waiting; BlockingIOError when someone holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError as exc:
            raise BlockingIOError(str(exc)) from exc
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


# ----------------------------------------------------------------------------- the writer
class OutputFolder:
    """An out folder that a command writes one complete set of files into.

    Parameters
    ----------
    path : path-like
        The out folder (``--out``). Created when missing; removed again when the command
        fails before anything was written and the folder did not exist before.
    kind : str
        Name of the output set, one per command (``"run"``, ``"plan"``, ...). Each set
        replaces only its own earlier files.

    Use it as a context manager: entering checks the folder, takes the lock, and cleans up
    what a killed earlier command left; :meth:`path` gives where to write each file;
    :meth:`commit` swaps the complete set in; leaving releases the lock and removes the
    staging folder when nothing was committed.
    """

    def __init__(self, path: str | Path, *, kind: str) -> None:
        if not _valid_kind(kind):
            raise ValueError(f"kind must be a simple name such as 'run'; got {kind!r}.")
        self.out = Path(path)
        self.kind = kind
        self._lock: _Lock | None = None
        self._staging: Path | None = None
        self._made_out: list[Path] = []
        self._made_state = False
        self.committed: list[Path] | None = None
        self._depth = 0
        #: "koppeling" (symbolic links, one atomic switch) or "kopie" (copy mode with a
        #: journal, for file systems without links); decided by :meth:`open`.
        self.mode = "koppeling"

    # -- paths
    @property
    def state(self) -> Path:
        """``<out>/.afweging``: the lock and the output sets."""
        return self.out / STATE_DIR

    @property
    def sets(self) -> Path:
        """``<out>/.afweging/<kind>``: this command's output sets."""
        return self.state / self.kind

    @property
    def staging(self) -> Path:
        """The folder the new set is written into (inside the out folder)."""
        if self._staging is None:
            raise RuntimeError("Open the OutputFolder (use it in a with statement) before writing.")
        return self._staging

    @property
    def is_open(self) -> bool:
        return self._lock is not None

    def path(self, name: str | Path) -> Path:
        """Where to write the output ``name`` (relative, e.g. ``"kaarten/groen.png"``);
        its parent folders are created."""
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] == STATE_DIR:
            raise ValueError(f"An output name is a relative path inside the out folder; got {name!r}.")
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _link_target(self, rel: str) -> str:
        return _link_target(self.kind, rel)

    # -- open / close
    def __enter__(self) -> OutputFolder:
        if self._depth == 0:
            self.open()
        self._depth += 1
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.close()

    def open(self) -> OutputFolder:
        """Check the folder, take the lock, clean up leftovers, make the staging folder.

        Raises
        ------
        OutputError
            The folder is a file, a system folder, or not writable (with the reason).
        OutputBusyError
            Another afweging command holds the folder.
        """
        if self.is_open:
            return self
        self.committed = None
        out = self.out
        absolute = Path(os.path.abspath(out))
        for candidate in (absolute, absolute.resolve()):
            system = _under_system_dir(candidate)
            if system:
                raise OutputError(
                    f"De uitvoermap {out} ligt in {system}, een systeemmap van het besturingssysteem "
                    f"waar geen bestanden horen. Kies een gewone map met --out, bijvoorbeeld "
                    f"--out afweging-uitvoer."
                )
        if out.exists() and not out.is_dir():
            raise OutputError(
                f"De uitvoermap {out} is een bestaand bestand, geen map. Kies een andere naam met "
                f"--out (afweging schrijft nooit over een bestand dat het niet zelf maakte)."
            )
        missing = []
        for parent in (absolute, *absolute.parents):
            if parent.exists():
                break
            missing.append(parent)
        try:
            for folder in reversed(missing):
                folder.mkdir()
                self._made_out.append(folder)
            self._made_state = not self.state.exists()
            self.state.mkdir(exist_ok=True)
            self._lock = _Lock(self.state / "lock")
            self._lock.acquire(out)
        except OutputBusyError:
            self._undo_open()
            raise
        except OSError as exc:
            self._undo_open()
            raise OutputError(
                f"In de uitvoermap {out} kan afweging niet schrijven ({_reason(exc)}). Kies een map "
                f"waar u mag schrijven met --out, of pas de rechten aan."
            ) from exc
        try:
            self._probe()
            self._recover()
            self.sets.mkdir(exist_ok=True)
            self._staging = self.sets / f"{_VERSION_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            self._staging.mkdir()
        except BaseException:
            self.close()
            raise
        return self

    def _probe(self) -> None:
        """Write, link and remove a probe in the out folder itself (read-only folders, full
        disks and file systems without symbolic links fail here, before any computing)."""
        probe = self.out / f"{STATE_DIR}-probe-{os.getpid()}"
        link = self.state / f"probe-{os.getpid()}"
        self.mode = "kopie" if os.environ.get(COPY_ENV, "") not in ("", "0") else "koppeling"
        if (self.sets / _CURRENT).is_symlink():
            self.mode = "koppeling"  # a folder keeps the way it was written
        elif (self.sets / _RECORD).exists():
            self.mode = "kopie"
        try:
            probe.write_bytes(b"afweging\n")
            if self.mode == "koppeling":
                try:
                    os.symlink(probe.name, link)
                except OSError:
                    self.mode = "kopie"  # no symbolic links here: copy files in, with a journal
        except OSError as exc:
            what = _reason(exc)
            raise OutputError(
                f"In de uitvoermap {self.out} kan afweging niet schrijven ({what}). Kies een map "
                f"waar u mag schrijven met --out, of pas de rechten aan."
            ) from exc
        finally:
            link.unlink(missing_ok=True)
            probe.unlink(missing_ok=True)

    def _undo_open(self) -> None:
        if self._made_state:
            shutil.rmtree(self.state, ignore_errors=True)
        for folder in reversed(self._made_out):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def close(self) -> None:
        """Release the lock; without a commit, remove the staging folder (and the out
        folder when it was made by :meth:`open` and holds nothing else)."""
        if self._lock is None:
            return
        if self._staging is not None and self.committed is None:
            shutil.rmtree(self._staging, ignore_errors=True)
        self._staging = None
        nothing = self.committed is None and not self._current_sets()
        if nothing:
            with contextlib.suppress(OSError):
                self.sets.rmdir()
        empty_state = nothing and self._made_state and not any(
            p.name != "lock" for p in self.state.iterdir()
        )
        self._lock.release(remove=empty_state)
        self._lock = None
        if empty_state:
            with contextlib.suppress(OSError):
                self.state.rmdir()
            for folder in reversed(self._made_out):
                with contextlib.suppress(OSError):
                    folder.rmdir()

    def _current_sets(self) -> list[Path]:
        if not self.state.is_dir():
            return []
        return [d / _CURRENT for d in self.state.iterdir() if _has_current(d)]

    # -- what is there
    def _manifest_of(self, kind: str) -> dict[str, Any]:
        sets = self.state / kind
        if (sets / _CURRENT).is_symlink():
            doc = _read_manifest(sets / _CURRENT)
        else:
            doc = _read_record(sets)
        return doc or {"files": {}, "dirs": []}

    def _ours(self, name: str, record: dict[str, Any]) -> bool:
        """Whether the file ``name`` in the out folder is this command's (a link through
        ``current``; in copy mode: recorded, and unchanged since)."""
        path = self.out / name
        if self.mode == "koppeling":
            return _is_ours(path, self._link_target(name))
        entry = record.get("files", {}).get(name)
        return entry is not None and _file_matches(path, entry)

    def _owned_elsewhere(self) -> dict[str, str]:
        """Names owned by the other commands' current sets -> their kind."""
        owned: dict[str, str] = {}
        if self.state.is_dir():
            for d in sorted(self.state.iterdir()):
                if d.is_dir() and d.name != self.kind and _has_current(d):
                    for name in self._manifest_of(d.name).get("files", {}):
                        owned[name] = d.name
        return owned

    def _remove_links(self, names: list[str], keep: set[str], dirs: list[str], keep_dirs: set[str]) -> None:
        """Remove our links for ``names`` (except ``keep``), then the folders in ``dirs``
        that we made and that are now empty (except ``keep_dirs``)."""
        for name in names:
            if name not in keep:
                link = self.out / name
                if _is_ours(link, self._link_target(name)):
                    link.unlink()
        for d in sorted(set(dirs) - keep_dirs, key=lambda x: -x.count("/")):
            with contextlib.suppress(OSError):
                (self.out / d).rmdir()  # only when empty: a user's file keeps it

    def _recover(self) -> None:
        """Clean up what killed commands left: staging folders, old sets, links to them."""
        for probe in self.out.glob(f"{STATE_DIR}-probe-*"):
            probe.unlink(missing_ok=True)  # probes are made under the lock: these are dead
        if not self.state.is_dir():
            return
        for sets in sorted(p for p in self.state.iterdir() if p.is_dir() and _valid_kind(p.name)):
            kind_writer = OutputFolder(self.out, kind=sets.name)
            if (sets / _JOURNAL).exists() or (sets / _RECORD).exists():
                kind_writer.mode = "kopie"
                kind_writer._finish_journal()
                for entry in sorted(sets.iterdir()):
                    if entry.is_dir() and entry.name.startswith((_VERSION_PREFIX, _BACKUP_PREFIX)):
                        shutil.rmtree(entry, ignore_errors=True)
                if not (sets / _RECORD).exists():
                    with contextlib.suppress(OSError):
                        sets.rmdir()
                continue
            current = sets / _CURRENT
            live = os.readlink(current) if current.is_symlink() else None
            keep = kind_writer._manifest_of(sets.name)
            for entry in sorted(sets.iterdir()):
                if entry.name == live or entry.name == _CURRENT:
                    continue
                if entry.name.startswith(_VERSION_PREFIX) and entry.is_dir() and not entry.is_symlink():
                    doc = _read_manifest(entry) or {"files": {}, "dirs": []}
                    kind_writer._remove_links(
                        list(doc.get("files", {})), set(keep.get("files", {})),
                        list(doc.get("dirs", [])), set(keep.get("dirs", [])),
                    )
                    shutil.rmtree(entry, ignore_errors=True)
                elif entry.is_symlink() and entry.name.startswith(_CURRENT):
                    entry.unlink()  # a half-made switch (current.new)
            if live is None:
                with contextlib.suppress(OSError):
                    sets.rmdir()

    # -- commit
    def commit(self) -> list[Path]:
        """Swap the complete new set in (one atomic rename) and remove this command's
        outputs of the earlier run that the new set no longer has.

        Returns
        -------
        list of Path
            The written files, as paths in the out folder, sorted.

        Raises
        ------
        OutputError
            A file of the user has the name of an output (nothing is changed then).
        """
        staging = self.staging
        if self.committed is not None:
            raise RuntimeError("This OutputFolder was already committed.")
        names = sorted(
            p.relative_to(staging).as_posix()
            for p in staging.rglob("*")
            if (p.is_file() or p.is_symlink()) and p.name != MANIFEST
        )
        old = self._manifest_of(self.kind)
        old_files = list(old.get("files", {}))
        old_dirs = list(old.get("dirs", []))
        others = self._owned_elsewhere()
        blocked = []
        for name in names:
            if name in others:
                blocked.append(f"{name} (uitvoer van 'afweging {others[name]}')")
                continue
            parts = name.split("/")
            for i in range(1, len(parts)):
                parent = self.out.joinpath(*parts[:i])
                if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                    blocked.append(f"{'/'.join(parts[:i])} (een bestand waar een map moet komen)")
                    break
            else:
                link = self.out / name
                if (link.exists() or link.is_symlink()) and not self._ours(name, old):
                    blocked.append(name)
        if blocked:
            raise OutputError(
                f"In de uitvoermap {self.out} staan al bestanden met de naam van een uitvoerbestand "
                f"die afweging niet zelf heeft geschreven: {', '.join(blocked)}. afweging "
                f"overschrijft geen bestanden van anderen: verplaats of hernoem ze, of kies een "
                f"andere map met --out. Er is niets veranderd."
            )
        new_dirs = sorted({"/".join(n.split("/")[:i]) for n in names for i in range(1, n.count("/") + 1)})
        made_dirs = sorted({d for d in new_dirs if not (self.out / d).is_dir()}
                           | {d for d in old_dirs if d in new_dirs})
        doc = {
            "format": MANIFEST_FORMAT,
            "command": self.kind,
            "files": {n: {"bytes": (staging / n).stat().st_size, "sha256": file_sha256(staging / n)}
                      for n in names},
            "dirs": made_dirs,
        }
        atomic_write_text(staging / MANIFEST, json.dumps(doc, indent=1, sort_keys=True) + "\n")
        _fsync_dir(staging)
        if self.mode == "kopie":
            return self._commit_copy(names, doc, old, new_dirs)
        _pause("staged")

        made_links: list[Path] = []
        created: list[Path] = []
        switch = self.sets / f"{_CURRENT}.new"
        try:
            for d in new_dirs:
                if not (self.out / d).is_dir():
                    (self.out / d).mkdir()
                    created.append(self.out / d)
            for name in names:
                link = self.out / name
                if not link.is_symlink():
                    os.symlink(self._link_target(name), link)
                    made_links.append(link)
            _fsync_dir(self.out)
            _pause("linked")
            switch.unlink(missing_ok=True)
            os.symlink(staging.name, switch)
            os.replace(switch, self.sets / _CURRENT)  # the switch: old set -> new set
        except BaseException:
            switch.unlink(missing_ok=True)
            for link in made_links:
                link.unlink(missing_ok=True)
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        _fsync_dir(self.sets)
        self.committed = [self.out / n for n in names]
        _pause("swapped")
        self._remove_links(old_files, set(names), old_dirs, set(made_dirs))
        for entry in self.sets.iterdir():
            if entry.name.startswith(_VERSION_PREFIX) and entry != staging and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
        return self.committed

    # -- copy mode (file systems without symbolic links)
    def _commit_copy(self, names: list[str], doc: dict[str, Any], old: dict[str, Any],
                     new_dirs: list[str]) -> list[Path]:
        """Copy mode's swap: journal, old files aside, new files in, record, journal gone."""
        staging = self.staging
        journal = self.sets / _JOURNAL
        backup = self.sets / f"{_BACKUP_PREFIX}{staging.name}"
        created = [d for d in new_dirs if not (self.out / d).is_dir()]
        atomic_write_text(journal, json.dumps(
            {"nieuw": staging.name, "oud": old, "mappen": created}, indent=1, sort_keys=True) + "\n")
        _fsync_dir(self.sets)
        _pause("staged")
        try:
            for d in new_dirs:
                (self.out / d).mkdir(exist_ok=True)
            for i, name in enumerate(names):
                visible = self.out / name
                if visible.exists() or visible.is_symlink():
                    (backup / name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(visible, backup / name)
                os.replace(staging / name, visible)
                if i == len(names) // 2:
                    _pause("linked")  # half the files swapped
            for name in old.get("files", {}):
                visible = self.out / name
                if name not in doc["files"] and self._ours(name, old):
                    (backup / name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(visible, backup / name)
            _fsync_dir(self.out)
            atomic_write_text(self.sets / _RECORD, json.dumps(
                {**doc, "versie": staging.name}, indent=1, sort_keys=True) + "\n")
            journal.unlink()  # the commit point
        except BaseException:
            self._finish_journal()
            raise
        _fsync_dir(self.sets)
        self.committed = [self.out / n for n in names]
        _pause("swapped")
        shutil.rmtree(backup, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        made = set(doc["dirs"])
        for d in sorted(set(old.get("dirs", [])) - made, key=lambda x: -x.count("/")):
            with contextlib.suppress(OSError):
                (self.out / d).rmdir()  # only when empty: a user's file keeps it
        return self.committed

    def _finish_journal(self) -> None:
        """Complete or undo a copy-mode swap that its journal says was under way: forward
        when the new record was written, else back to the complete old set."""
        journal = self.sets / _JOURNAL
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        new = str(plan.get("nieuw", ""))
        staging = self.sets / new
        backup = self.sets / f"{_BACKUP_PREFIX}{new}"
        record = _read_record(self.sets) or {}
        if new and record.get("versie") == new:  # the swap was complete: only clean up
            journal.unlink(missing_ok=True)
            shutil.rmtree(backup, ignore_errors=True)
            shutil.rmtree(staging, ignore_errors=True)
            return
        old = plan.get("oud") or {"files": {}, "dirs": []}
        new_doc = _read_manifest(staging) or {"files": {}}
        for name, entry in new_doc.get("files", {}).items():
            visible = self.out / name
            if (backup / name).exists():
                os.replace(backup / name, visible)  # the old file back
            elif not (staging / name).exists() and _file_matches(visible, entry):
                visible.unlink()  # a new file that had no old one
        for name in old.get("files", {}):
            if (backup / name).exists():
                os.replace(backup / name, self.out / name)
        for d in sorted(plan.get("mappen", []), key=lambda x: -x.count("/")):
            with contextlib.suppress(OSError):
                (self.out / d).rmdir()
        _fsync_dir(self.out)
        journal.unlink(missing_ok=True)
        shutil.rmtree(backup, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)

    def files(self) -> list[Path]:
        """The files of this command's current set, as paths in the out folder."""
        return [self.out / n for n in sorted(self._manifest_of(self.kind).get("files", {}))]


@contextlib.contextmanager
def output_folder(out: str | Path | OutputFolder, *, kind: str) -> Iterator[OutputFolder]:
    """An open :class:`OutputFolder` for ``out``: the one given (already opened by the
    CLI, left open), or a new one for a path (opened here and closed afterwards)."""
    if isinstance(out, OutputFolder):
        with out:
            yield out
    else:
        with OutputFolder(out, kind=kind) as folder:
            yield folder
