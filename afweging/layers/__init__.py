"""The five spatial layers per buurt: green, heat, noise, housing, facilities."""

from afweging.layers._base import LayerResult

__all__ = ["LayerResult"]
