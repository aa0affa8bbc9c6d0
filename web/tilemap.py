"""A tile grid of the 34 provincial units, one square each, laid out roughly as the country is.

No map data is fetched or shipped: each unit has a row and a column, and the template draws
the squares as inline SVG, shaded by a rate and linked to the view filtered by that unit.
"""

from indexer import provinces

# (row, column) of each unit by its short name: north at the top, west on the left.
TILES = {
    "黑龙江": (0, 7),
    "内蒙古": (1, 5), "北京": (1, 6), "吉林": (1, 7),
    "新疆": (2, 0), "山西": (2, 4), "河北": (2, 5), "天津": (2, 6), "辽宁": (2, 7),
    "甘肃": (3, 1), "宁夏": (3, 2), "陕西": (3, 3), "河南": (3, 4), "山东": (3, 5),
    "西藏": (4, 0), "青海": (4, 1), "四川": (4, 2), "重庆": (4, 3), "湖北": (4, 4), "安徽": (4, 5), "江苏": (4, 6),
    "上海": (4, 7),
    "云南": (5, 2), "贵州": (5, 3), "湖南": (5, 4), "江西": (5, 5), "浙江": (5, 6),
    "广西": (6, 3), "广东": (6, 4), "福建": (6, 5), "台湾": (6, 6),
    "海南": (7, 3), "澳门": (7, 4), "香港": (7, 5),
}
SIZE, GAP = 46, 4  # pixels of a square and between squares
LOW, HIGH = (0xF3, 0xEC, 0xE6), (0x9B, 0x1C, 0x1C)  # the colours of no rate and of the highest
FLOOR = 0.15  # the lightest shade of a rate above zero, so that it never looks like "none found"
STEPS = (0.2, 0.4, 0.6, 0.8, 1.0)  # the legend's swatches, as shares of the scale's top

# What a square says: the unit has no speeches in the view; it has some, but the term is not
# found in them; they hold fewer characters than map_min_chars, too few to rate; or a rate.
EMPTY, NONE_FOUND, TOO_SMALL, RATED = "empty", "none", "small", "rated"


def shade_colour(shade: float) -> str:
    """Return the fill of a square shaded 0-1: an SVG attribute, since the pages' CSP allows no inline style."""
    level = FLOOR + (1 - FLOOR) * shade
    return "#" + "".join(f"{round(low + (high - low) * level):02x}" for low, high in zip(LOW, HIGH))


def state(value: dict | None, measure: str, min_chars: int) -> str:
    """Tell what a unit's square shows: EMPTY, NONE_FOUND, TOO_SMALL (rates only) or RATED."""
    if not value or not value.get("speeches_total"):
        return EMPTY
    if measure == "per_10k_chars" and (value.get("chars") or 0) < min_chars:
        return TOO_SMALL
    return NONE_FOUND if not value.get(measure) else RATED


def peak(values: dict[str, dict], measure: str = "per_10k_chars", min_chars: int = 0) -> float:
    """Return the top of a scale: the highest value of `measure` among the units rated (too small ones aside)."""
    rated = [v[measure] for v in values.values() if state(v, measure, min_chars) == RATED]
    return max(rated, default=0)


def tile_map(values: dict[str, dict], measure: str = "per_10k_chars", min_chars: int = 0,
             top: float | None = None) -> dict:
    """Lay out every unit's square: its value of `measure` among `values` ({full name: series}), shaded 0-1.

    `top` is the value shaded darkest: the highest of every map shown together, so that one
    colour means one rate on all of them; None scales this map by its own highest. A unit
    with no speeches in the view is drawn blank, one whose term is not found apart from it,
    and one with fewer than `min_chars` characters is marked too small to rate (rates only).
    """
    top = top if top else peak(values, measure, min_chars) or 1
    tiles = []
    for _, full, short in provinces.provinces():
        row, column = TILES[short]
        value = values.get(full)
        shows = state(value, measure, min_chars)
        level = value.get(measure) if value else None
        shade = min(1.0, level / top) if shows == RATED else None
        tiles.append({"name": full, "short": short, "x": column * (SIZE + GAP), "y": row * (SIZE + GAP),
                      "value": level, "series": value, "shade": shade, "state": shows,
                      "fill": None if shade is None else shade_colour(shade)})
    rows = 1 + max(r for r, _ in TILES.values())
    columns = 1 + max(c for _, c in TILES.values())
    legend = [{"fill": shade_colour(step), "value": top * step} for step in STEPS]
    return {"tiles": tiles, "size": SIZE, "width": columns * (SIZE + GAP), "height": rows * (SIZE + GAP),
            "peak": top, "measure": measure, "min_chars": min_chars, "legend": legend,
            "states": {name: sum(tile["state"] == name for tile in tiles) for name in (EMPTY, NONE_FOUND, TOO_SMALL, RATED)}}
