"""Static memo maps: scale bar, north arrow, source line, and PNGs checked by their pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _maps_data import results
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from afweging._errors import MissingColumnError
from afweging.maps._classify import sample_colors, score_bins
from afweging.maps.static import (
    StaticMapError,
    add_north_arrow,
    add_scale_bar,
    indicator_map,
    map_figure,
    nice_scale_length,
    priority_maps,
    save_figure,
    theme_maps,
)


@pytest.fixture(scope="module")
def demo_results(demo):
    return results(demo, "demo")


@pytest.fixture(scope="module")
def demo_maps(demo_results, tmp_path_factory) -> dict[str, Path]:
    r = demo_results
    out = tmp_path_factory.mktemp("kaarten")
    files = theme_maps(r.area, r.scores, out) + priority_maps(r.area, r.priorities, out)
    return {p.stem: p for p in files}


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _colour_counts(pixels: np.ndarray) -> dict[int, int]:
    """Pixel count per exact colour (packed 0xRRGGBB)."""
    p = pixels.astype(np.int32)
    packed = (p[..., 0] << 16) | (p[..., 1] << 8) | p[..., 2]
    codes, counts = np.unique(packed.ravel(), return_counts=True)
    return dict(zip(codes.tolist(), counts.tolist(), strict=True))


def _has_colour(counts: dict[int, int], hex_colour: str, min_pixels: int = 200) -> bool:
    """Whether at least ``min_pixels`` pixels have exactly this colour (polygon fills)."""
    r, g, b = (round(c * 255) for c in to_rgb(hex_colour))
    return counts.get((r << 16) | (g << 8) | b, 0) >= min_pixels


# ----------------------------------------------------------------------------- furniture
def test_nice_scale_length():
    assert nice_scale_length(15_000) == 2_500
    assert nice_scale_length(4_000) == 500
    assert nice_scale_length(100) == 50
    with pytest.raises(StaticMapError, match="positive"):
        nice_scale_length(0)


def test_scale_bar_and_north_arrow_are_drawn_in_metres():
    fig = Figure(figsize=(6, 6))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(130_000, 140_000)
    ax.set_ylim(450_000, 460_000)
    ax.set_aspect("equal", adjustable="box")
    length = add_scale_bar(ax)
    add_north_arrow(ax)
    assert length == 2_000
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 2
    assert sum(b.get_width() for b in bars) == pytest.approx(2_000)
    texts = [t.get_text() for t in ax.texts]
    assert "2 km" in texts and "0" in texts and "N" in texts
    assert add_scale_bar(ax, length_m=750) == 750
    assert "750 m" in [t.get_text() for t in ax.texts]


def test_map_figure_has_title_legend_and_source(demo_results):
    r = demo_results
    values = r.layers.values["housing_corporation_pct"]
    fig = map_figure(r.area, values, title="Titel", legend_title="Corporatiebezit (%)",
                     subtitle="Uitleg", cmap="BuPu", pieces=("facilities",))
    texts = [t.get_text() for t in fig.texts]
    assert "Titel" in texts and "Uitleg" in texts
    assert any(t.startswith("Bron: ") and "Bewerking: afweging." in t for t in texts)
    legend = fig.axes[0].get_legend()
    assert legend.get_title().get_text() == "Corporatiebezit (%)"
    n_classes = min(5, values.nunique())
    n_nodata = int(values.isna().any())
    assert len(legend.get_texts()) == n_classes + n_nodata


# ----------------------------------------------------------------------------- PNGs
def test_theme_maps_are_real_choropleths(demo_maps, demo_results):
    themes = demo_results.scores.buurt.themes
    expected = {"balansscore"} | {f"thema_{t}" for t in themes.columns if themes[t].notna().any()}
    assert expected <= set(demo_maps)
    _, labels = score_bins()
    class_colours = sample_colors("RdYlGn", len(labels))
    for name in expected:
        px = _pixels(demo_maps[name])
        assert px.shape == (1200, 1500, 3)
        non_white = (px < 250).any(axis=2).mean()
        assert 0.15 < non_white < 0.9, name
        counts = _colour_counts(px)
        assert len(counts) > 50, name
        # buurten are filled with the legend colour of their class: at least two classes
        present = sum(_has_colour(counts, c) for c in class_colours)
        assert present >= 2, name


def test_priority_maps_outline_and_list_flagged_buurten(demo_maps, demo_results):
    flags = demo_results.priorities.flags
    for question in flags["question"].unique():
        px = _pixels(demo_maps[f"prioriteit_{question}"])
        assert _has_colour(_colour_counts(px), "#b71c1c", min_pixels=300), question
        assert (px < 250).any(axis=2).mean() > 0.15


def test_pdf_and_determinism(demo_results, tmp_path):
    r = demo_results

    def draw(folder: str) -> list[Path]:
        fig = map_figure(r.area, r.scores.buurt.overall, title="Balans", legend_title="Score")
        (tmp_path / folder).mkdir()
        return save_figure(fig, tmp_path / folder / "balans", ("png", "pdf"))

    a, b = draw("a"), draw("b")
    assert [p.name for p in a] == ["balans.png", "balans.pdf"]
    assert a[1].read_bytes().startswith(b"%PDF")
    assert a[0].read_bytes() == b[0].read_bytes()  # same inputs, byte-identical PNG


def test_indicator_map(demo_results, tmp_path):
    r = demo_results
    files = indicator_map(r.area, r.reach, "reach_walk_pct_all_categories_within_10min",
                          tmp_path / "bereik.png")
    assert [f.name for f in files] == ["bereik.png"]
    assert (_pixels(files[0]) < 250).any(axis=2).mean() > 0.15
    with pytest.raises(MissingColumnError, match="green_m2"):
        indicator_map(r.area, r.layers, "green_m2", tmp_path / "x.png")


def test_bad_static_requests(demo_results, tmp_path):
    r = demo_results
    with pytest.raises(StaticMapError, match="formats"):
        theme_maps(r.area, r.scores, tmp_path, formats=("jpg",))
    with pytest.raises(StaticMapError, match="needs scores"):
        theme_maps(r.area, None, tmp_path)
    with pytest.raises(StaticMapError, match="needs priorities"):
        priority_maps(r.area, None, tmp_path)


def test_all_missing_values_draw_hatched_not_zero(demo_results):
    r = demo_results
    values = pd.Series(np.nan, index=r.area.buurten.index)
    values.iloc[0] = 3.0
    fig = map_figure(r.area, values, title="t", legend_title="l")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["3", "geen gegevens"]


def test_priority_maps_name_the_target_group_as_the_csv_does(demo_results, tmp_path, monkeypatch):
    """The playground map lists "kinderen" (as prioriteiten.csv and the report), not "personen"."""
    import afweging.maps.static as static

    seen: dict[str, str] = {}
    real = static.map_figure

    def spy(*args, **kwargs):
        seen[kwargs["title"]] = kwargs["side_text"]
        return real(*args, **kwargs)

    monkeypatch.setattr(static, "map_figure", spy)
    r = demo_results
    priority_maps(r.area, r.priorities, tmp_path)
    groups = {q: r.priorities.config.questions[q].group_label for q in r.priorities.questions}
    assert groups["speelplek"] == "kinderen"
    for qid, label in r.priorities.labels.items():
        text = seen[f"{r.area.name}: prioriteit {label.lower()}"]
        flagged = r.priorities.flags[r.priorities.flags["question"] == qid]
        if len(flagged):
            assert f" {groups[qid]}\n" in text + "\n" and "personen" not in text, text


def test_names_with_dollar_signs_are_drawn_as_text(demo_results, tmp_path):
    """matplotlib reads "$...$" as mathtext: "Wijk $x^$" would fail the whole run."""
    r = demo_results
    fig = map_figure(r.area, r.scores.buurt.overall, title="Buurt $x^$ noord", legend_title="Score",
                     subtitle="kosten $\\frac{1$", side_text="1. Plein $5 en $6")
    files = save_figure(fig, tmp_path / "dollar", ("png",))
    assert files[0].stat().st_size > 10_000
    assert "Buurt $x^$ noord" in [t.get_text() for t in fig.texts]

