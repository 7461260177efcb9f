"""Exception hierarchy.

Every error derives from :class:`AfwegingError`; most also derive from a builtin
(``ValueError``, ``TypeError``, ``FileNotFoundError``) so callers can catch either.
Messages name the file, the column or the feature, the rule that was broken and the fix.
"""

from __future__ import annotations

from typing import Any


class AfwegingError(Exception):
    """Base class of all afweging errors.

    ``problems`` holds the single problems of an input file checked against its declared
    schema (:class:`afweging._schema.Problem`: file, section, key, rule, fix), empty
    otherwise.
    """

    problems: tuple[Any, ...] = ()


class ManifestError(AfwegingError, ValueError):
    """An area manifest (TOML) is malformed or refers to something that does not exist."""


class InputFileNotFoundError(AfwegingError, FileNotFoundError):
    """A file named by the user does not exist."""


class NoCrsError(AfwegingError, ValueError):
    """Spatial input has no coordinate reference system."""


class GeographicCrsError(AfwegingError, ValueError):
    """A projected CRS (metres) was required but a geographic one was given."""


class MissingColumnError(AfwegingError, KeyError):
    """A required column is absent."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class NoMatchError(AfwegingError, ValueError):
    """Codes in one table match none (or too few) of the codes in another."""


class InvalidGeometryError(AfwegingError, ValueError):
    """Geometries are invalid, empty or of the wrong type."""


class NetworkError(AfwegingError, ValueError):
    """A street network is unusable (not a graph, no edges, no length, disconnected)."""


class MissingDataError(AfwegingError, ValueError):
    """An analysis needs a piece of the Area that is missing."""


class UnknownModeError(AfwegingError, ValueError):
    """An unknown travel mode was requested."""


class UnknownCategoryError(AfwegingError, ValueError):
    """An unknown facility category was requested."""


class NormsError(AfwegingError, ValueError):
    """A norms TOML is malformed (unknown indicator, negative weight, missing source...)."""


class ConfigError(AfwegingError, ValueError):
    """A settings TOML (priorities, tag table...) is malformed."""


class SettingsError(ConfigError):
    """A value in :mod:`afweging.settings` is of the wrong type or out of range."""


class PlanError(AfwegingError, ValueError):
    """A development plan is unusable (outside the area, no CRS, negative dwellings...)."""


class LocationError(AfwegingError, ValueError):
    """A location choice cannot be made as asked (an unusable candidate file, constraints
    that no choice can meet, an unknown fixed site...)."""


class ScenarioError(AfwegingError, ValueError):
    """A scenario file is malformed or does not fit the area (years, files, facilities)."""


class ForecastError(ScenarioError):
    """A population forecast cannot be read or applied (bands, codes, numbers)."""


class DownloadError(AfwegingError, RuntimeError):
    """An online source did not answer with usable data."""


class HttpStatusError(DownloadError):
    """A server answered an HTTP error status (after any retries).

    ``status`` is the HTTP status code, ``detail`` the server's own explanation (from a
    problem JSON, an OData error, an OWS ExceptionReport or the start of the body) and
    ``url`` the request.
    """

    def __init__(self, message: str, *, status: int, detail: str, url: str) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.url = url


class OptionalDependencyError(AfwegingError, ImportError):
    """An optional dependency is needed for this call."""
