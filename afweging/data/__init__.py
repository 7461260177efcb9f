"""Loaders (local files and online sources with a cache), the area manifest reader,
the OSM tag -> category table and the bundled demo area."""
