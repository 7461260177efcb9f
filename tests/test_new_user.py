"""What a new user meets first: the README's commands work as written, CI runs the
README's test command, the shipped examples exist, and the words are consistent."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from afweging.cli import main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str) -> list[str]:
    """The lines of the first ```bash block after the line starting with ``heading``."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    begin = next(i for i in range(start, len(lines)) if lines[i].startswith("```bash"))
    end = next(i for i in range(begin + 1, len(lines)) if lines[i].startswith("```"))
    return lines[begin + 1:end]


def test_quick_start_is_one_line_that_makes_a_virtual_environment() -> None:
    block = _block_after("## Quick start")
    assert block == ["python3 -m venv .venv && . .venv/bin/activate && pip install -e . && afweging run"]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    block = _block_after("Tests")
    assert len(block) == 1
    assert block[0].startswith("python3 -m venv .venv && . .venv/bin/activate && ")
    assert block[0].endswith('pip install -e ".[test]" && pytest')
    # .ci/run takes the command from the README (its own extraction, run here)
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    extraction = next(line for line in script.splitlines() if line.startswith("command=$("))
    res = subprocess.run(["bash", "-c", f"{extraction}\nprintf '%s' \"$command\""], cwd=REPO,
                         capture_output=True, text=True, timeout=30, check=True)
    assert res.stdout == block[0]
    assert 'bash -c "$command"' in script
    assert not re.search(r"^\s*(pytest|python -m pytest|pip install)", script, flags=re.M)


def test_every_file_the_readme_commands_name_exists() -> None:
    commands = [line for line in README.splitlines() if line.startswith("afweging ")]
    assert len(commands) >= 6
    named = []
    for line in commands:
        for word in shlex.split(line.split("#")[0]):
            if word.startswith("examples/"):
                named.append(word)
                assert (REPO / word).is_file(), line
    assert {"examples/variant_a.geojson", "examples/variant_b.geojson"} <= set(named)
    variants = next(line for line in commands if "variant_a" in line)
    assert "--area " in variants  # never silently checked against the demo
    others = [line for line in commands if "--out plantoets" in line and line != variants]
    assert all("--out plantoets-varianten" not in o for o in others)  # no folder overwritten


def test_example_variants_are_valid_plans() -> None:
    from afweging.analyses.plan import read_plan

    a = read_plan(REPO / "examples" / "variant_a.geojson")
    b = read_plan(REPO / "examples" / "variant_b.geojson")
    assert a.polygons["woningen"].sum() == 1500 and b.polygons["woningen"].sum() == 900


@pytest.mark.utrecht
def test_readme_variants_command_runs_as_written(utrecht_dir, tmp_path, monkeypatch) -> None:
    line = next(line for line in README.splitlines() if line.startswith("afweging plan examples/variant_a"))
    args = shlex.split(line)[1:]
    args = [a.replace("../shared/data/utrecht", str(utrecht_dir)) for a in args]
    monkeypatch.chdir(REPO)
    out_at = args.index("--out") + 1
    args[out_at] = str(tmp_path / args[out_at])
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "demogebied" not in res.output
    page = (tmp_path / "plantoets-varianten" / "plan_check.html").read_text(encoding="utf-8")
    assert "variant A: hoog" in page and "variant B: groen en sociaal" in page


def test_one_word_for_the_detour_factor() -> None:
    """"omrijfactor" everywhere a planner reads it; never "omwegfactor"."""
    found = []
    for path in [*REPO.joinpath("afweging").rglob("*"), *REPO.joinpath("docs").rglob("*"),
                 *REPO.joinpath("notebooks").rglob("*.ipynb"), REPO / "README.md"]:
        if (path.is_file() and path.suffix in (".py", ".md", ".toml", ".js", ".html", ".ipynb")
                and "omweg" in path.read_text(encoding="utf-8", errors="replace").lower()):
            found.append(str(path.relative_to(REPO)))
    assert found == []
    assert "omrijfactor" in (REPO / "afweging" / "analyses" / "reach" / "reachability.py").read_text("utf-8")
