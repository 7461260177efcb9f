"""What the synthetic-city benchmarks share (kept free of heavy imports: the network
scale benchmark measures peak memory in child processes that import it)."""

#: Facilities per category in the synthetic city (about twice Utrecht's OSM counts).
FACILITY_COUNTS = {
    "speelplek": 1200,
    "ontmoetingsplek": 120,
    "huisarts": 100,
    "basisschool": 380,
    "kinderopvang": 110,
    "supermarkt": 160,
    "dagelijkse_boodschappen": 400,
    "sport": 1700,
    "park": 250,
    "zorg": 220,
    "openbaar_vervoer": 3000,
    "cultuur": 90,
}
