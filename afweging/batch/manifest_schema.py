"""The declared schema of the batch manifest (``batch.toml``, ``afweging batch --manifest``).

A batch manifest names, per gemeente, where its data come from: a folder of already
fetched files (``data``: a folder with an ``area.toml``, e.g. written by ``afweging fetch``,
or that ``area.toml`` itself) or an online-source template (``bronnen``: an area manifest
with ``{gemeentecode}``, see :mod:`afweging.batch.sources`). Paths are relative to the
batch manifest. Top-level ``data`` (a folder with a folder per gemeente) and ``bronnen``
are the defaults for the gemeenten that name neither::

    name = "Provincie Utrecht"
    bronnen = "online.toml"              # default: online, for GM0307 below

    [gemeenten.GM0344]
    data = "opgehaald/utrecht"           # fetched files (its area.toml says GM0344)
    provincie = "PV26"

    [gemeenten.GM0307]
    naam = "Amersfoort"
    provincie = "PV26"

``provincie`` lets ``--provincie`` choose gemeenten without asking CBS (offline).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import model_validator

from afweging._errors import ManifestError
from afweging._format import nl_names
from afweging._schema import Table, declare, rule, validate

_GM = re.compile(r"^GM\d{4}$")


class BatchGemeente(Table):
    """One gemeente of the batch: ``[gemeenten.GM0344]``."""

    data: str | None = declare(None, min_length=1, uitleg="map met de opgehaalde bestanden en hun area.toml "
                               "(bijv. van afweging fetch), of dat area.toml zelf",
                               voorbeeld='data = "opgehaald/GM0344"')
    bronnen: str | None = declare(None, min_length=1, uitleg="sjabloon met online bronnen; {gemeentecode} "
                                  "wordt ingevuld", voorbeeld='bronnen = "online.toml"')
    naam: str | None = declare(None, min_length=1, uitleg="naam van de gemeente (voor {gemeentenaam} en de "
                               "rapporten)", voorbeeld='naam = "Utrecht"')
    provincie: str | None = declare(None, pattern=r"^PV\d{2}$", uitleg="CBS-provinciecode, zodat --provincie "
                                    "zonder internet kan kiezen", voorbeeld='provincie = "PV26"')

    @model_validator(mode="after")
    def _one_source(self) -> BatchGemeente:
        if self.data is not None and self.bronnen is not None:
            raise rule("bronnen", "geef per gemeente óf data (opgehaalde bestanden) óf bronnen (online "
                                  "sjabloon), niet allebei")
        return self


class BatchManifest(Table):
    """The whole batch manifest."""

    name: str | None = declare(None, min_length=1, uitleg="naam van de batch in de uitvoer",
                               voorbeeld='name = "Provincie Utrecht"')
    data: str | None = declare(None, min_length=1, uitleg="standaard: map met per gemeente een map met "
                               "area.toml (voor gemeenten zonder eigen data of bronnen)",
                               voorbeeld='data = "opgehaald"')
    bronnen: str | None = declare(None, min_length=1, uitleg="standaard: sjabloon met online bronnen (voor "
                                  "gemeenten zonder eigen data of bronnen)", voorbeeld='bronnen = "online.toml"')
    gemeenten: dict[str, BatchGemeente] = declare(..., uitleg="per gemeente een tabel [gemeenten.GM0344] "
                                                  "(mag leeg zijn: dan geldt de standaard)",
                                                  voorbeeld='[gemeenten.GM0344] data = "opgehaald/GM0344"')

    @model_validator(mode="after")
    def _codes_and_defaults(self) -> BatchManifest:
        bad = [c for c in self.gemeenten if not _GM.match(c)]
        if bad:
            raise rule("gemeenten", f"{', '.join(bad)} is geen gemeentecode; schrijf [gemeenten.GM0344] "
                                    f"(GM en vier cijfers)")
        if not self.gemeenten:
            raise rule("gemeenten", "noem minstens één gemeente, bijv. [gemeenten.GM0344]")
        if self.data is not None and self.bronnen is not None:
            raise rule("bronnen", "geef bovenaan óf data óf bronnen als standaard, niet allebei")
        bare = [c for c, g in self.gemeenten.items() if g.data is None and g.bronnen is None]
        if bare and self.data is None and self.bronnen is None:
            raise rule("gemeenten", f"{nl_names(bare, 5)} noemt geen data en geen bronnen, en bovenaan "
                                    f"staat geen standaard; zet data = \"...\" of bronnen = \"...\" bij de "
                                    f"gemeente of bovenaan")
        return self


def check_batch_manifest(doc: Any, *, file: str) -> BatchManifest:
    """Validate a parsed batch manifest; raise ManifestError (Dutch, every problem)."""
    return validate(BatchManifest, doc, file=file, error=ManifestError, what=f"Het batchmanifest {file}")


def sections() -> dict[str, type[Table]]:
    """The tables of the batch manifest by TOML name, for docs."""
    return {"": BatchManifest, "gemeenten.GMxxxx": BatchGemeente}
