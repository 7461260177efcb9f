"""Noise layer: Lden at homes from a raster (energetic mean, shares) or "no data"."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_layers_common import make_homes, make_raster, two_buurten

from afweging._errors import ManifestError
from afweging.geo.area import Area
from afweging.layers.noise import COLUMNS, energetic_mean_db, noise_layer


def lden_raster() -> np.ndarray:
    """[0,2000]x[0,1000] in 100 m cells; column c has value 50 + c (dB), so x in [100c, 100c+100)."""
    return np.tile(50.0 + np.arange(20.0), (10, 1))


# Homes: A at x 50 (50 dB, 1 resident), 350 (53 dB, 1), 550 (55 dB, 2);
#        B at x 1050 (60 dB, 1), 1950 (69 dB, 1), and one home outside the raster (x 2500)
HOMES = [(50, 500, "A", 1), (350, 500, "A", 1), (550, 500, "A", 2),
         (1050, 500, "B", 1), (1950, 500, "B", 1)]


def noise_area(homes=HOMES) -> Area:
    r = make_raster(lden_raster(), x0=0, y_top=1000, cell_m=100, unit="dB")
    return Area("t", two_buurten(), homes=make_homes(homes), rasters={"noise": r})


def test_energetic_mean_is_the_mean_of_sound_energy():
    assert energetic_mean_db(np.array([50.0, 70.0])) == pytest.approx(10 * math.log10((1e5 + 1e7) / 2))
    assert energetic_mean_db(np.array([50.0, 70.0]), np.array([3.0, 1.0])) == pytest.approx(
        10 * math.log10((3e5 + 1e7) / 4))
    assert energetic_mean_db(np.array([55.0, np.nan])) == pytest.approx(55.0)
    assert np.isnan(energetic_mean_db(np.array([np.nan])))


def test_noise_indicators_per_buurt_by_hand():
    res = noise_layer(noise_area())
    v = res.values
    assert list(v.columns) == list(COLUMNS)
    expected_a = 10 * math.log10((1 * 10**5.0 + 1 * 10**5.3 + 2 * 10**5.5) / 4)
    assert v.loc["A", "noise_lden_mean_at_homes_db"] == pytest.approx(expected_a)
    assert v.loc["B", "noise_lden_mean_at_homes_db"] == pytest.approx(10 * math.log10((10**6 + 10**6.9) / 2))
    # >= 53: the 53 and 55 dB homes (3 of 4 residents); >= 55: only the 55 dB home (2 of 4)
    assert v.loc["A", "noise_pct_homes_over_53db"] == pytest.approx(75.0)
    assert v.loc["A", "noise_pct_homes_over_55db"] == pytest.approx(50.0)
    assert v.loc["B", "noise_pct_homes_over_55db"] == 100.0
    assert set(res.methods["method"]) == {"measured"}
    assert "Energetisch" in res.methods.loc["noise_lden_mean_at_homes_db", "description"]


def test_homes_outside_the_raster_or_on_nodata_are_left_out_with_warning():
    data = lden_raster()
    data[:, 0] = np.nan  # the 50 dB home in A now sits on nodata
    r = make_raster(data, x0=0, y_top=1000, cell_m=100, unit="dB")
    homes = make_homes([*HOMES, (2500, 500, "B", 5)])  # outside the raster, and outside B
    homes.loc[homes.index[-1], "buurtcode"] = "B"
    area = Area("t", two_buurten(), homes=homes, rasters={"noise": r})
    with pytest.warns(UserWarning, match="buiten de geluidskaart of op cellen"):
        v = noise_layer(area).values
    assert v.loc["A", "noise_pct_homes_over_53db"] == 100.0  # 53 and 55 dB homes only
    assert v.loc["B", "noise_lden_mean_at_homes_db"] == pytest.approx(10 * math.log10((10**6 + 10**6.9) / 2))


def test_buurt_without_homes_is_nan():
    v = noise_layer(noise_area(HOMES[:3])).values
    assert v.loc["B"].isna().all()


def test_no_raster_is_no_data_with_reason():
    area = Area("t", two_buurten(), homes=make_homes(HOMES))
    with pytest.warns(UserWarning, match="geen geluidskaart"):
        res = noise_layer(area)
    assert res.values.isna().all().all()
    assert set(res.methods["method"]) == {"no data"}
    desc = res.methods.loc["noise_pct_homes_over_53db", "description"]
    assert "Geen geluidskaart" in desc and "niet opgegeven" in desc and "verkeersintensiteiten" in desc


def test_noise_raster_with_wrong_unit_is_refused():
    r = make_raster(lden_raster(), x0=0, y_top=1000, cell_m=100, unit="degC")
    with pytest.raises(ManifestError, match="Lden in dB"):
        noise_layer(Area("t", two_buurten(), homes=make_homes(HOMES), rasters={"noise": r}))
