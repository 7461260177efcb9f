"""The Utrechtse barcode: every indicator held against a sourced norm, scored, combined per
theme, aggregated to wijk and city, explained and drawn.

>>> from afweging.barcode import load_norms
>>> norms = load_norms()
>>> norms["geluid_who_53db"].source.year
2018
"""

from afweging.barcode.columns import is_known_indicator
from afweging.barcode.explain import explain, explain_html
from afweging.barcode.norms import Norm, Norms, Source, Theme, load_norms, status_from_score
from afweging.barcode.render import BarcodePicture, picture, render_svg, write_barcode_html
from afweging.barcode.scoring import BarcodeScores, LevelScores, score, theme_scores
from afweging.barcode.sensitivity import SensitivityResult, sensitivity

__all__ = [
    "BarcodePicture",
    "BarcodeScores",
    "LevelScores",
    "Norm",
    "Norms",
    "SensitivityResult",
    "Source",
    "Theme",
    "explain",
    "explain_html",
    "is_known_indicator",
    "load_norms",
    "picture",
    "render_svg",
    "score",
    "sensitivity",
    "status_from_score",
    "theme_scores",
    "write_barcode_html",
]
