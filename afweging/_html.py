"""The one HTML escape used by every HTML output (barcode, maps, report, plan check).

Every text that comes from data (buurt names, plan names, sources, caveats) goes
through :func:`escape` before it reaches HTML, in element content and in attributes.
"""

from __future__ import annotations

import html
from typing import Any


def escape(value: Any) -> str:
    """HTML-escape any value, quotes included, so it is safe in content and attributes.

    Examples
    --------
    >>> escape('</script><img src=x onerror="alert(1)">')
    '&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)
