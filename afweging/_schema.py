"""Declared input schemas: the shared machinery (pydantic v2).

Every kind of input file declares its keys once, as a pydantic model in one module:

========================  =============================================================
input                     schema
========================  =============================================================
area manifest (TOML)      :mod:`afweging.data.manifest_schema`
norms (TOML)              :mod:`afweging.barcode.norms_schema`
priorities (TOML)         :mod:`afweging.analyses.priorities.config_schema`
settings (module)         :mod:`afweging.settings_schema`
tag tables (TOML)         :class:`afweging.data.tags.TagTable`
scenario (TOML)           :mod:`afweging.scenarios.schema`
batch manifest (TOML)     :mod:`afweging.batch.manifest_schema`
plan properties (file)    :data:`afweging.analyses.plan.format.PROPERTIES` (checked per
                          column, vectorised: a plan can have many features)
candidate sites (file)    :data:`afweging.analyses.locations.candidates.CANDIDATE_PROPERTIES`
========================  =============================================================

``docs/invoer.md`` describes every key; ``docs/foutmeldingen.md`` lists what the user gets
for each kind of bad input.

Adding a key is one line in the model of its section, with its type, range, Dutch
explanation and an example (both appear in the error message when the value is wrong)::

    year: int | None = declare(None, ge=1900, le=2100, uitleg="jaar van de cijfers", voorbeeld="year = 2023")

Models derive from :class:`Table`: strict types (``"false"`` is not a boolean,
``"twintig"`` not a year), unknown keys refused (with a "did you mean" suggestion),
``inf``/``nan`` refused. :func:`validate` turns every problem into one Dutch line that names
the file, the section, the key, the rule and the fix, and raises them together as the
caller's error class. :func:`read_toml` reads a TOML file (UTF-8, with or without BOM) with
Dutch messages for a missing, unreadable or malformed file.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from afweging._errors import AfwegingError, InputFileNotFoundError

M = TypeVar("M", bound=BaseModel)


class Table(BaseModel):
    """Base of every declared TOML table: strict types, no unknown keys, finite numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


def declare(default: Any = ..., *, uitleg: str, voorbeeld: str | None = None, **constraints: Any) -> Any:
    """A declared key: default (``...`` = required), Dutch explanation and example, and the
    pydantic constraints (``gt``, ``ge``, ``le``, ``min_length``...)."""
    return Field(default, description=uitleg, examples=[voorbeeld] if voorbeeld else None, **constraints)


def rule(key_name: str, message: str) -> PydanticCustomError:
    """An error for a rule between keys (raise it in a model validator): ``key_name`` is the
    key the message is about, ``message`` the Dutch rule and fix."""
    return PydanticCustomError("regel", message, {"key": key_name})


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, in Dutch.

    ``section`` is the TOML table (``"homes"``, ``"networks.walk"``, ``""`` at the top),
    ``key`` the key, ``rule`` what is wrong and ``fix`` what to do.
    """

    file: str
    section: str
    key: str
    rule: str
    fix: str

    def __str__(self) -> str:
        where = f"[{self.section}] {self.key}" if self.section else self.key
        text = f"{where}: {self.rule}" if where else self.rule
        end = "" if text.endswith(("?", "!", ".")) else "."
        return f"{text}{end} {self.fix}".rstrip() if self.fix else f"{text}{end}"


def raise_problems(error: type[AfwegingError], problems: Sequence[Problem], *, what: str) -> typing.NoReturn:
    """Raise ``error`` with every problem, one per line, under a header naming ``what``."""
    if len(problems) == 1:
        p = problems[0]
        exc = error(f"{p.file}: {p}")
    else:
        listing = "\n".join(f"  - {p.file}: {p}" for p in problems)
        exc = error(f"{what} klopt niet ({len(problems)} problemen):\n{listing}")
    exc.problems = tuple(problems)
    raise exc


# ----------------------------------------------------------------------------- reading


def read_toml(path: Path, *, error: type[AfwegingError], what: str, hint: str) -> tuple[dict[str, Any], bytes]:
    """Read a TOML file; returns the document and the raw bytes.

    A UTF-8 byte-order mark (Windows Notepad) is accepted. ``what`` names the file in Dutch
    (``"Het gebiedsmanifest"``), ``hint`` says where its format is described.
    """
    if not path.exists():
        raise InputFileNotFoundError(f"{what} {path} bestaat niet. Controleer het pad. {hint}")
    if path.is_dir():
        raise error(f"{what} {path} is een map, geen bestand. Geef het pad van het TOML-bestand.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: kan niet gelezen worden ({exc.strerror or exc}). Controleer de "
                    f"leesrechten van het bestand.") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}: regel {line} is geen UTF-8 (byte {raw[exc.start]:#04x}); het bestand is "
            f"waarschijnlijk opgeslagen als Windows-1252/ANSI. Sla het op als UTF-8 (Kladblok: "
            f"Opslaan als > Codering: UTF-8; VS Code: 'Save with Encoding')."
        ) from exc
    try:
        return tomllib.loads(text), raw
    except tomllib.TOMLDecodeError as exc:
        detail = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", detail)
        where = ""
        if m:
            n = int(m.group(1))
            lines = text.splitlines()
            shown = lines[n - 1].strip() if 0 < n <= len(lines) else ""
            where = f"regel {n}, kolom {m.group(2)}" + (f" ({shown!r})" if shown else "")
            detail = detail[: m.start()].strip()
        raise error(
            f"{path}: geen geldige TOML{' op ' + where if where else ''}: {detail}. Herstel die "
            f"regel: tekst staat tussen aanhalingstekens (name = \"Utrecht\"), een sectie tussen "
            f"blokhaken ([buurten]), elke sleutel één keer per sectie. {hint}"
        ) from exc


# ----------------------------------------------------------------------------- validating


def validate(
    model: type[M],
    doc: Any,
    *,
    file: str,
    error: type[AfwegingError],
    what: str,
    origin: Callable[[tuple[str, ...]], str] | None = None,
) -> M:
    """Validate ``doc`` against ``model``; raise ``error`` listing every problem in Dutch.

    ``file`` names the file in the messages; ``origin`` (optional) gives the file a value
    came from when ``doc`` merges several files (norms, priorities), by its key path.
    """
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        problems = problems_from(exc, model, doc, file=file, origin=origin)
    raise_problems(error, problems, what=what)


def problems_from(
    exc: ValidationError,
    model: type[BaseModel],
    doc: Any,
    *,
    file: str,
    origin: Callable[[tuple[str, ...]], str] | None = None,
) -> list[Problem]:
    """Dutch :class:`Problem` objects for a pydantic ValidationError on ``doc``."""
    out: list[Problem] = []
    for err in exc.errors():
        path = _doc_path(doc, err["loc"], err["type"])
        ctx = err.get("ctx") or {}
        if err["type"] == "regel" and ctx.get("key"):
            path = (*path, *str(ctx["key"]).split("."))
        n_idx = len(path) - len(tuple(_trailing_ints(path)))
        names = [str(p) for p in path[:n_idx]]
        key_name = names[-1] if names else ""
        index = "".join(f"[{p}]" for p in path[n_idx:])
        container, field = _model_at(model, path[:n_idx])
        shown = ""
        if err["type"] not in ("missing", "extra_forbidden", "regel") and not isinstance(err.get("input"), dict):
            shown = f" = {toml_value(err.get('input'))}"
        rule_text, fix = _rule_and_fix(err, container, field, key_name)
        same = [i for i, p in enumerate(out) if (p.section, p.key) == (".".join(names[:-1]), f"{key_name}{index}{shown}")]
        if same:  # a key that allows several types (str | int): one line, both rules
            p = out[same[0]]
            out[same[0]] = dataclasses.replace(p, rule=f"{p.rule}, of {rule_text.removeprefix('moet ')}")
            continue
        out.append(Problem(
            file=origin(tuple(str(p) for p in path)) if origin else file,
            section=".".join(names[:-1]), key=f"{key_name}{index}{shown}", rule=rule_text, fix=fix,
        ))
    return out


def toml_value(value: Any, limit: int = 60) -> str:
    """A value as it would be written in TOML (``"false"``, ``42``, ``inf``), shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, float):
        text = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {toml_value(v, limit)}" for k, v in value.items()) + " }"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(toml_value(v, limit) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The closest of ``choices`` to a misspelt ``word`` (or None)."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == word.lower()]
    return close[0] if close else None


def _trailing_ints(path: Sequence[str | int]) -> list[int]:
    out: list[int] = []
    for p in reversed(path):
        if not isinstance(p, int):
            break
        out.append(p)
    return out


def _doc_path(doc: Any, loc: tuple[Any, ...], err_type: str) -> tuple[str | int, ...]:
    """The part of a pydantic ``loc`` that exists in the document (drops union tags)."""
    out: list[str | int] = []
    node = doc
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            out.append(part)
            node = node[part]
        elif last and err_type == "missing" and isinstance(part, str):
            out.append(part)
    return tuple(out)


def unwrap(tp: Any) -> list[Any]:
    """The candidate types inside Optional/Union/Annotated (``int | None`` -> ``[int]``)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(tp) if a is not type(None) for t in unwrap(a)]
    return [tp]


def _model_at(model: type[BaseModel], path: Sequence[str | int]) -> tuple[type[BaseModel] | None, Any]:
    """The model holding the last key of ``path`` and that key's FieldInfo (or None)."""
    current: list[Any] = [model]
    container: type[BaseModel] | None = None
    field = None
    for part in path:
        nxt: list[Any] = []
        for tp in current:
            if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
                container, field = tp, tp.model_fields.get(part)
                if field is not None:
                    nxt += unwrap(field.annotation)
            elif typing.get_origin(tp) is dict:
                nxt += unwrap(typing.get_args(tp)[1])
            elif typing.get_origin(tp) in (list, tuple) and isinstance(part, int):
                nxt += unwrap(typing.get_args(tp)[0])
        current = nxt
    return container, field


_RULES: dict[str, str] = {
    "string_type": "moet tekst zijn, tussen aanhalingstekens",
    "bool_type": "moet true of false zijn, zonder aanhalingstekens",
    "int_type": "moet een geheel getal zijn, zonder aanhalingstekens",
    "int_from_float": "moet een geheel getal zijn",
    "float_type": "moet een getal zijn, zonder aanhalingstekens",
    "finite_number": "moet een eindig getal zijn (geen inf of nan)",
    "dict_type": "moet een tabel zijn ([sectie] of {{ sleutel = waarde }})",
    "model_type": "moet een tabel zijn ([sectie] of {{ sleutel = waarde }})",
    "list_type": "moet een lijst zijn, bijv. [\"a\", \"b\"]",
    "string_too_short": "mag niet leeg zijn",
    "string_pattern_mismatch": "heeft niet de goede vorm",
    "too_short": "heeft te weinig elementen (minstens {min_length})",
    "greater_than": "moet groter zijn dan {gt}",
    "greater_than_equal": "moet minstens {ge} zijn",
    "less_than": "moet kleiner zijn dan {lt}",
    "less_than_equal": "mag hoogstens {le} zijn",
    "literal_error": "moet een van deze waarden zijn: {expected}",
    "missing": "ontbreekt (verplicht)",
}


def _rule_and_fix(err: Any, container: type[BaseModel] | None, field: Any, name: str) -> tuple[str, str]:
    kind = err["type"]
    ctx = {k: _num(v) for k, v in (err.get("ctx") or {}).items()}
    if kind == "extra_forbidden":
        known = sorted(container.model_fields) if container is not None else []
        close = suggest(name, known)
        if close:
            return "onbekende sleutel", f"Bedoelde u '{close}'? Herstel de spelling of verwijder de sleutel."
        listed = ", ".join(known) if known else "geen"
        return "onbekende sleutel", f"Bekende sleutels hier: {listed}. Herstel de spelling of verwijder de sleutel."
    if kind in ("regel", "value_error", "assertion_error"):
        msg = str(ctx.get("error", err["msg"])) if kind != "regel" else err["msg"]
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return msg.rstrip("."), ""
    if kind == "literal_error":
        ctx["expected"] = str(ctx.get("expected", "")).replace(" or ", " of ").replace("'", '"')
    template = _RULES.get(kind)
    rule_text = template.format(**ctx) if template else err["msg"]
    fix = ""
    if field is not None and field.description:
        fix = f"Oplossing: {field.description}"
        if field.examples:
            fix += f", bijv. {field.examples[0]}"
        fix += "."
    return rule_text, fix


def _num(v: Any) -> Any:
    """Constraint values in messages: 0 not 0.0, Dutch decimal comma."""
    if isinstance(v, float):
        return (f"{v:g}").replace(".", ",")
    return v
