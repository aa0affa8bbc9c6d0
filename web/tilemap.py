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


def tile_map(values: dict[str, dict], measure: str = "per_10k_chars") -> dict:
    """Lay out every unit's square: its value of `measure` among `values` ({full name: series}), shaded 0-1.

    A unit with no speeches in the view has no value and is drawn blank (not as zero).
    """
    known = [v[measure] for v in values.values() if v.get(measure) is not None]
    peak = max(known, default=0) or 1
    tiles = []
    for _, full, short in provinces.provinces():
        row, column = TILES[short]
        value = values.get(full)
        level = value.get(measure) if value else None
        tiles.append({"name": full, "short": short, "x": column * (SIZE + GAP), "y": row * (SIZE + GAP),
                      "value": level, "series": value, "shade": None if level is None else level / peak})
    rows = 1 + max(r for r, _ in TILES.values())
    columns = 1 + max(c for _, c in TILES.values())
    return {"tiles": tiles, "size": SIZE, "width": columns * (SIZE + GAP), "height": rows * (SIZE + GAP),
            "peak": peak, "measure": measure}
