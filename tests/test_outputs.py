"""The output writer (afweging/_outputs.py): atomic sets, never a user's file, stale
outputs removed, checks before computing, a lock, cleanup after killed runs.

Most cases use small sets of text files so the answer is obvious; the end-to-end cases
kill a real ``afweging plan`` process (SIGKILL and SIGTERM) while it swaps its files in.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from afweging._outputs import (
    MANIFEST,
    PAUSE_ENV,
    STATE_DIR,
    OutputBusyError,
    OutputError,
    OutputFolder,
    atomic_write_text,
)
from afweging.cli import main

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "examples" / "plan_demostad.geojson"


def write_set(out: Path, files: dict[str, str], kind: str = "run") -> list[Path]:
    with OutputFolder(out, kind=kind) as folder:
        for name, text in files.items():
            folder.path(name).write_text(text, encoding="utf-8")
        return folder.commit()


def visible(out: Path) -> dict[str, str]:
    """Every file a user sees in ``out`` (hidden state folder left out) -> its text."""
    found = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if rel.parts[0] == STATE_DIR or p.is_dir():
            continue
        found[rel.as_posix()] = p.read_text(encoding="utf-8") if p.exists() else "<dangling link>"
    return found


def leftovers(out: Path) -> list[str]:
    """Staging folders, half-made switches and dangling links left in ``out``."""
    bad = [str(p) for p in out.rglob("*") if p.is_symlink() and not p.exists()]
    state = out / STATE_DIR
    if state.exists():
        for sets in state.iterdir():
            if sets.is_dir():
                live = os.readlink(sets / "current") if (sets / "current").is_symlink() else None
                bad += [str(p) for p in sets.iterdir() if p.name not in ("current", live)]
    bad += [str(p) for p in out.glob(".afweging-*")]
    return bad


A = {"buurten.gpkg": "A1", "rapport.html": "A2", "prioriteiten.csv": "A3",
     "kaarten/groen.png": "A4", "kaarten/hitte.png": "A5"}
B = {"buurten.gpkg": "B1", "rapport.html": "B2", "kaarten/groen.png": "B4",
     "kaarten/spelen.png": "B6", "extra/nieuw.txt": "B7"}


# ----------------------------------------------------------------------------- basics
def test_a_set_is_written_recorded_and_replaced_without_touching_user_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    files = write_set(out, A)
    assert visible(out) == A
    assert sorted(p.relative_to(out).as_posix() for p in files) == sorted(A)
    # the user adds files of their own, also inside the toolkit's folder kaarten/
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    (out / "notities.txt").write_text("mijn notities", encoding="utf-8")
    write_set(out, B)
    # the new set, the user's files, and nothing of the earlier set that B does not make
    assert visible(out) == {**B, "kaarten/mine.pdf": "mijn kaart", "notities.txt": "mijn notities"}
    assert leftovers(out) == []
    # the manifest lists exactly the files of the set, with their sizes and hashes
    import json

    doc = json.loads((out / STATE_DIR / "run" / "current" / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(doc["files"]) == sorted(B)
    assert doc["files"]["buurten.gpkg"]["bytes"] == 2
    assert doc["dirs"] == ["extra", "kaarten"]


def test_folders_it_made_go_when_empty_and_stay_with_a_user_file(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, B)
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    write_set(out, {"buurten.gpkg": "C"})
    assert visible(out) == {"buurten.gpkg": "C", "kaarten/mine.pdf": "mijn kaart"}
    assert not (out / "extra").exists()  # made by afweging, now empty: removed
    assert leftovers(out) == []


def test_a_folder_of_the_user_is_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "o"
    (out / "kaarten").mkdir(parents=True)  # the user's folder, empty
    write_set(out, A)
    write_set(out, {"buurten.gpkg": "C"})
    assert (out / "kaarten").is_dir() and list((out / "kaarten").iterdir()) == []


def test_each_command_keeps_its_own_set(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, A, kind="run")
    write_set(out, {"plan_check.html": "P1", "plan_check.json": "P2"}, kind="plan")
    write_set(out, {"plan_check.html": "Q1"}, kind="plan")  # a smaller plan set
    assert visible(out) == {**A, "plan_check.html": "Q1"}
    # a command cannot take over a file of another command's set
    with pytest.raises(OutputError, match=r"rapport\.html \(uitvoer van 'afweging run'\)"):
        write_set(out, {"rapport.html": "X"}, kind="plan")
    assert visible(out) == {**A, "plan_check.html": "Q1"}
    assert leftovers(out) == []


def test_a_user_file_with_an_output_name_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "rapport.html").write_text("het rapport van de gebruiker", encoding="utf-8")
    (out / "kaarten").write_text("een bestand waar afweging een map wil", encoding="utf-8")
    with pytest.raises(OutputError) as err:
        write_set(out, A)
    msg = str(err.value)
    assert "rapport.html" in msg and "kaarten (een bestand waar een map moet komen)" in msg
    assert "Er is niets veranderd" in msg
    assert (out / "rapport.html").read_text(encoding="utf-8") == "het rapport van de gebruiker"
    assert sorted(p.name for p in out.iterdir()) == ["kaarten", "rapport.html"]


def test_a_failure_before_commit_leaves_the_old_set_and_no_staging(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, A)
    with pytest.raises(RuntimeError, match="kapot"), OutputFolder(out, kind="run") as folder:
        folder.path("buurten.gpkg").write_text("half", encoding="utf-8")
        raise RuntimeError("kapot")
    assert visible(out) == A
    assert leftovers(out) == []


def test_a_failed_first_run_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "nieuw" / "o"
    with pytest.raises(RuntimeError), OutputFolder(out, kind="run"):
        raise RuntimeError("kapot")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_text_replaces_a_file_whole(tmp_path: Path) -> None:
    f = tmp_path / "kaart.html"
    f.write_text("oud", encoding="utf-8")
    atomic_write_text(f, "nieuw")
    assert f.read_text(encoding="utf-8") == "nieuw"
    assert [p.name for p in tmp_path.iterdir()] == ["kaart.html"]


# ----------------------------------------------------------------------------- checks first
@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda p: p.write_text("x", encoding="utf-8"), "is een bestaand bestand, geen map"),
        (None, "ligt in /proc, een systeemmap"),
    ],
)
def test_bad_out_folders_are_refused_before_computing(tmp_path: Path, monkeypatch, make, expect) -> None:
    import afweging.cli

    def no_computing(*args, **kwargs):
        raise AssertionError("the out folder must be checked before the area is loaded")

    monkeypatch.setattr(afweging.cli, "_load", no_computing)
    monkeypatch.setattr("afweging.analyses.plan.command._plan_command", no_computing)
    if make is None:
        target = Path("/proc/afweging-uitvoer")
    else:
        target = tmp_path / "bestand.txt"
        make(target)
    for args in (["run"], ["plan", str(PLAN)]):
        res = CliRunner().invoke(main, [*args, "--out", str(target)])
        assert res.exit_code == 2, res.output
        assert expect in res.output
        assert "Traceback" not in res.output
    if make is not None:
        assert target.read_text(encoding="utf-8") == "x"


def _unprivileged(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` without the power to ignore file permissions (root has it: then
    the process keeps uid 0 but loses CAP_DAC_OVERRIDE and friends through setpriv)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: read-only folders cannot be made")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]
    return subprocess.run(
        [*prefix, sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
    )


def test_a_read_only_out_folder_is_refused_before_anything_changes(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, A)
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    for p in [out, *out.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        code = textwrap.dedent(
            """
            import sys
            from afweging._outputs import OutputFolder, OutputError
            try:
                with OutputFolder(sys.argv[1], kind="run"):
                    print("OPEN")
            except OutputError as exc:
                print("REFUSED", exc)
            """
        )
        res = _unprivileged(code, str(out))
    finally:
        for p in [out, *out.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("REFUSED"), res.stdout
    assert "kan afweging niet schrijven (geen schrijfrechten)" in res.stdout
    assert visible(out) == {**A, "kaarten/mine.pdf": "mijn kaart"}
    assert leftovers(out) == []


@pytest.mark.parametrize("args", [["run"], ["plan", str(PLAN)]])
def test_the_cli_refuses_a_read_only_out_folder_before_computing(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "o"
    write_set(out, A, kind=args[0])
    for p in [out, *out.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        res = _unprivileged("import sys; from afweging.cli import main; sys.argv[0] = 'afweging'; main()",
                            *args, "--out", str(out))
    finally:
        for p in [out, *out.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Fout: In de uitvoermap" in res.stderr and "geen schrijfrechten" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert "demogebied" not in res.stdout and "Lagen berekenen" not in res.stdout  # before computing
    assert visible(out) == A


def test_run_keeps_user_files_and_removes_its_stale_outputs(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, {"buurten.gpkg": "oud", "oud_bestand.csv": "oud", "kaarten/oud.png": "oud"}, kind="run")
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    (out / "notitie.txt").write_text("van mij", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", "--out", str(out)])
    assert res.exit_code == 0, res.output
    files = {p.relative_to(out).as_posix() for p in out.rglob("*")
             if p.relative_to(out).parts[0] != STATE_DIR and p.is_file()}
    assert (out / "kaarten" / "mine.pdf").read_text(encoding="utf-8") == "mijn kaart"
    assert (out / "notitie.txt").read_text(encoding="utf-8") == "van mij"
    assert "oud_bestand.csv" not in files and "kaarten/oud.png" not in files
    assert {"buurten.gpkg", "kaart.html", "rapport.html", "prioriteiten.csv", "kaarten/balansscore.png"} <= set(files)
    assert leftovers(out) == []


def test_a_read_only_subfolder_fails_the_commit_and_keeps_the_old_set(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, A)
    (out / "kaarten").chmod(0o555)  # B adds kaarten/spelen.png: cannot be linked
    code = textwrap.dedent(
        """
        import sys
        from afweging._outputs import OutputFolder, OutputError
        try:
            with OutputFolder(sys.argv[1], kind="run") as f:
                for name in ("buurten.gpkg", "kaarten/groen.png", "kaarten/spelen.png"):
                    f.path(name).write_text("B", encoding="utf-8")
                f.commit()
            print("COMMITTED")
        except PermissionError as exc:
            print("FAILED", exc)
        """
    )
    try:
        res = _unprivileged(code, str(out))
    finally:
        (out / "kaarten").chmod(0o755)
    assert res.stdout.startswith("FAILED"), res.stdout + res.stderr
    assert visible(out) == A
    assert leftovers(out) == []


# ----------------------------------------------------------------------------- lock
def test_a_second_command_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, A)
    with OutputFolder(out, kind="run") as first:
        first.path("buurten.gpkg").write_text("B1", encoding="utf-8")
        with pytest.raises(OutputBusyError, match=rf"In de map {out} is al een andere "
                           rf"afweging-opdracht bezig \(proces {os.getpid()}\)"):
            OutputFolder(out, kind="run").open()
        for args in (["plan", str(PLAN)], ["run"]):
            res = CliRunner().invoke(main, [*args, "--out", str(out)])
            assert res.exit_code == 2
            assert "is al een andere afweging-opdracht bezig" in res.output
            assert "Gebied laden" not in res.output and "demogebied" not in res.output  # nothing computed
        first.commit()
    assert visible(out) == {"buurten.gpkg": "B1"}
    # the lock is released afterwards
    write_set(out, A)
    assert visible(out) == A


# ----------------------------------------------------------------------------- interruptions
_WRITER = textwrap.dedent(
    """
    import sys
    from afweging._outputs import OutputFolder
    out, texts = sys.argv[1], sys.argv[2:]
    with OutputFolder(out, kind="run") as f:
        for pair in texts:
            name, text = pair.split("=")
            f.path(name).write_text(text, encoding="utf-8")
        f.commit()
    """
)


def _start_and_kill(args: list[str], step: str, sig: int, cache: Path) -> tuple[int, str]:
    """Start a process that pauses at ``step`` of the commit, send it ``sig`` there;
    its exit code and everything it wrote to stderr."""
    with subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                          env={**os.environ, PAUSE_ENV: step, "AFWEGING_CACHE": str(cache)}) as proc:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if line.strip() == f"afweging-pause {step}":
                proc.send_signal(sig)
                break
        lines.append(proc.stderr.read())
        proc.wait(timeout=60)
    assert f"afweging-pause {step}" in "".join(lines), "".join(lines)
    return proc.returncode, "".join(lines)


@pytest.mark.parametrize(("step", "expect_new"), [("staged", False), ("linked", False), ("swapped", True)])
def test_sigkill_at_any_step_leaves_the_old_or_the_new_set(tmp_path: Path, step: str, expect_new: bool) -> None:
    out = tmp_path / "o"
    write_set(out, A)
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    rc, _ = _start_and_kill([sys.executable, "-c", _WRITER, str(out), *(f"{k}={v}" for k, v in B.items())],
                            step, signal.SIGKILL, tmp_path / "cache")
    assert rc == -signal.SIGKILL
    files = {k: v for k, v in visible(out).items() if v != "<dangling link>"}
    assert files == {**(B if expect_new else A), "kaarten/mine.pdf": "mijn kaart"}
    # the next command cleans up what the killed one left (and the lock was released)
    write_set(out, {"buurten.gpkg": "C"})
    assert visible(out) == {"buurten.gpkg": "C", "kaarten/mine.pdf": "mijn kaart"}
    assert leftovers(out) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_plan_stopped_while_swapping_keeps_the_old_outputs(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "o"
    write_set(out, {"plan_check.html": "oud", "plan_check.json": "oud"}, kind="plan")
    rc, err = _start_and_kill([sys.executable, "-m", "afweging.cli", "plan", str(PLAN), "--out", str(out)],
                              "linked", sig, tmp_path / "cache")
    assert rc == 130, err
    assert "Afgebroken. De uitvoer in" in err and "is niet veranderd" in err
    assert "Traceback" not in err
    assert visible(out) == {"plan_check.html": "oud", "plan_check.json": "oud"}
    assert leftovers(out) == []


def test_plan_killed_while_swapping_then_rerun(tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_set(out, {"plan_check.html": "oud", "plan_check.json": "oud", "plan_oud.txt": "oud"}, kind="plan")
    (out / "mijn_plan.geojson").write_text("{}", encoding="utf-8")
    rc, _ = _start_and_kill([sys.executable, "-m", "afweging.cli", "plan", str(PLAN), "--out", str(out)],
                            "linked", signal.SIGKILL, tmp_path / "cache")
    assert rc == -signal.SIGKILL
    files = {k: v for k, v in visible(out).items() if v != "<dangling link>"}
    assert files == {"plan_check.html": "oud", "plan_check.json": "oud", "plan_oud.txt": "oud",
                     "mijn_plan.geojson": "{}"}
    res = CliRunner().invoke(main, ["plan", str(PLAN), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(visible(out)) == ["mijn_plan.geojson", "plan_check.html", "plan_check.json"]
    assert '"varianten"' in (out / "plan_check.json").read_text(encoding="utf-8")
    assert leftovers(out) == []


# ----------------------------------------------------------------------------- copy mode
# File systems without symbolic links (Windows without developer mode, SMB, exFAT): the
# files are copied in with a journal; the same guarantees, checked the same way.
@pytest.fixture
def copy_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from afweging._outputs import COPY_ENV

    monkeypatch.setenv(COPY_ENV, "1")


def copy_leftovers(out: Path) -> list[str]:
    """Symbolic links, staging and backup folders, journals left in ``out``."""
    bad = [str(p) for p in out.rglob("*") if p.is_symlink()]
    state = out / STATE_DIR
    if state.exists():
        for sets in state.iterdir():
            if sets.is_dir():
                bad += [str(p) for p in sets.iterdir() if p.name != "current.json"]
    return bad + [str(p) for p in out.glob(".afweging-*")]


def test_without_symbolic_links_the_writer_copies_files_in(tmp_path: Path, monkeypatch) -> None:
    import afweging._outputs as outputs

    def no_links(*args, **kwargs):
        raise OSError(1, "Operation not permitted")  # as on exFAT, SMB, Windows without rights

    monkeypatch.setattr(outputs.os, "symlink", no_links)
    out = tmp_path / "o"
    with OutputFolder(out, kind="run") as folder:
        assert folder.mode == "kopie"
        for name, text in A.items():
            folder.path(name).write_text(text, encoding="utf-8")
        folder.commit()
    assert visible(out) == A
    assert not any(p.is_symlink() for p in out.rglob("*"))
    assert copy_leftovers(out) == []


def test_copy_mode_replaces_its_own_files_only(tmp_path: Path, copy_mode) -> None:
    out = tmp_path / "o"
    write_set(out, A)
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    files = write_set(out, B)
    assert visible(out) == {**B, "kaarten/mine.pdf": "mijn kaart"}  # stale A files gone
    assert sorted(p.relative_to(out).as_posix() for p in files) == sorted(B)
    assert copy_leftovers(out) == []
    write_set(out, {"buurten.gpkg": "C"})
    assert visible(out) == {"buurten.gpkg": "C", "kaarten/mine.pdf": "mijn kaart"}  # extra/ removed


def test_copy_mode_never_overwrites_a_user_file_or_a_changed_output(tmp_path: Path, copy_mode) -> None:
    out = tmp_path / "o"
    (out).mkdir()
    (out / "rapport.html").write_text("van de gebruiker", encoding="utf-8")
    with pytest.raises(OutputError, match=r"die afweging niet zelf heeft geschreven: rapport.html"):
        write_set(out, A)
    assert visible(out) == {"rapport.html": "van de gebruiker"}
    (out / "rapport.html").unlink()
    write_set(out, A)
    (out / "buurten.gpkg").write_text("door de gebruiker bewerkt", encoding="utf-8")
    with pytest.raises(OutputError, match=r"buurten.gpkg"):
        write_set(out, B)
    assert visible(out) == {**A, "buurten.gpkg": "door de gebruiker bewerkt"}
    assert copy_leftovers(out) == []


def test_copy_mode_failure_in_the_middle_of_the_swap_rolls_back(tmp_path: Path, copy_mode, monkeypatch) -> None:
    import afweging._outputs as outputs

    out = tmp_path / "o"
    write_set(out, A)
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    real = os.replace
    calls = {"n": 0}

    def failing(src, dst):
        calls["n"] += 1
        if calls["n"] == 6:  # a few files are already swapped
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", failing)
    with pytest.raises(OSError, match="No space left"):
        write_set(out, B)
    monkeypatch.setattr(outputs.os, "replace", real)
    assert calls["n"] >= 6
    assert visible(out) == {**A, "kaarten/mine.pdf": "mijn kaart"}
    assert copy_leftovers(out) == []


@pytest.mark.parametrize(("step", "expect_new"), [("staged", False), ("linked", False), ("swapped", True)])
def test_copy_mode_killed_at_any_step_gives_the_old_or_the_new_set(tmp_path: Path, copy_mode, step: str,
                                                                 expect_new: bool) -> None:
    out = tmp_path / "o"
    write_set(out, A)
    (out / "kaarten" / "mine.pdf").write_text("mijn kaart", encoding="utf-8")
    rc, _ = _start_and_kill([sys.executable, "-c", _WRITER, str(out), *(f"{k}={v}" for k, v in B.items())],
                            step, signal.SIGKILL, tmp_path / "cache")
    assert rc == -signal.SIGKILL
    # the next command in the folder finishes or undoes the swap from its journal first
    with OutputFolder(out, kind="run"):
        assert visible(out) == {**(B if expect_new else A), "kaarten/mine.pdf": "mijn kaart"}
    assert copy_leftovers(out) == []
    write_set(out, {"buurten.gpkg": "C"})
    assert visible(out) == {"buurten.gpkg": "C", "kaarten/mine.pdf": "mijn kaart"}


def test_plan_in_copy_mode_twice(tmp_path: Path, copy_mode) -> None:
    out = tmp_path / "o"
    for _ in range(2):
        res = CliRunner().invoke(main, ["plan", str(PLAN), "--out", str(out)])
        assert res.exit_code == 0, res.output
    assert sorted(visible(out)) == ["plan_check.html", "plan_check.json"]
    assert not (out / "plan_check.html").is_symlink()
    assert copy_leftovers(out) == []
