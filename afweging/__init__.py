"""afweging: ruimtelijke afweging for Dutch municipalities.

Layers per buurt (green, heat, noise, social housing, voorzieningen), the Utrechtse
barcode, 10-minute-city reachability, priorities (ongelijk investeren) and plan checks.
"""

from afweging import settings
from afweging._errors import AfwegingError
from afweging.geo.area import Area

__version__ = "0.1.0"

__all__ = ["AfwegingError", "Area", "__version__", "settings"]
