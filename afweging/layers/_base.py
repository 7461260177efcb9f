"""Shared types of the layers: every indicator has values *and* a method record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Method = Literal["measured", "proxy", "no data", "statistics"]

#: Columns of :attr:`LayerResult.methods`.
METHOD_COLUMNS = ("layer", "unit", "method", "source", "description")


@dataclass
class LayerResult:
    """Indicator values per buurt plus, per indicator, how it was obtained.

    Attributes
    ----------
    values : DataFrame
        Indexed by ``buurtcode``; one column per indicator, unit in the column name.
    methods : DataFrame
        Indexed by indicator column; columns ``layer``, ``unit``, ``method``
        (``"measured"``: from a real source of that quantity; ``"statistics"``: taken
        from CBS tables; ``"proxy"``: estimated by a named, documented proxy;
        ``"no data"``), ``source`` and ``description`` (Dutch, shown in reports; for
        a proxy it states the formula).
    caveats : list of str
        Dutch caveats that reports and reasons must carry (e.g. "hitte is een proxy").
    """

    values: pd.DataFrame
    methods: pd.DataFrame
    caveats: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        missing = [c for c in self.values.columns if c not in self.methods.index]
        if missing:
            raise ValueError(f"Indicators without a method record: {missing}")
        if self.values.index.name != "buurtcode":
            raise ValueError("LayerResult.values must be indexed by 'buurtcode'.")

    @staticmethod
    def method_table(rows: list[dict[str, str]]) -> pd.DataFrame:
        """Build a methods table from dicts with key ``indicator`` plus METHOD_COLUMNS."""
        index = pd.Index([r["indicator"] for r in rows], name="indicator")
        return pd.DataFrame({c: [r[c] for r in rows] for c in METHOD_COLUMNS}, index=index)

    @classmethod
    def join(cls, results: list[LayerResult]) -> LayerResult:
        """Join several layers on buurtcode."""
        values = pd.concat([r.values for r in results], axis=1)
        values.index.name = "buurtcode"
        methods = pd.concat([r.methods for r in results], axis=0)
        caveats = [c for r in results for c in r.caveats]
        return cls(values, methods, caveats)

    def __getitem__(self, column: str) -> pd.Series:
        return self.values[column]

    def _repr_html_(self) -> str:
        return (
            "<h4>Indicatoren per buurt</h4>"
            + self.values.head(10).to_html()
            + "<h4>Methode en bron</h4>"
            + self.methods.to_html()
        )
