"""The analyses, one subpackage per capability.

``reach/``
    The 10-minute city: travel minutes from every home to the nearest facility of each
    kind, on foot and by bike (array graph, snapping, search, isochrones).
``priorities/``
    Where playgrounds, meeting places and facilities should come first (need x gap,
    *ongelijk investeren*), the buurt typology and candidate locations.
``locations/``
    Where N new playgrounds, meeting places or facilities help most: a need-weighted
    maximal covering problem over candidate sites, solved exactly (HiGHS).
``plan/``
    The plan check: a development plan applied to the area and scored before and after.
"""
