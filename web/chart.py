"""Geometry of the charts (hits per year, comparisons), drawn as inline SVG by the templates."""

import math

UNKNOWN = "未知"
MAX_SPAN = 80  # years; a wider span is drawn with only the years that occur, not every year between
INFERRED = "inferred"


def year_chart(counts: dict, totals: dict | None = None, by_source: dict | None = None) -> dict | None:
    """Lay out bars of speeches per year, the rate count/total per year, and unknown years apart.

    counts and totals map year strings (and 未知) to numbers of speeches; totals are the
    denominators of the rate (None draws counts only, as on the overview). With by_source
    ({year: {date_source: n}}) each bar is split: the speeches whose year the text states
    (printed, given, metadata, corrected) below, those whose year is inferred stacked on top.
    """
    rated = totals is not None
    totals = totals or {}
    seen = set(counts) | set(totals)
    known = sorted(int(y) for y in seen if y != UNKNOWN and str(y).isdigit())
    has_unknown = bool(counts.get(UNKNOWN) or totals.get(UNKNOWN))
    if not known and not has_unknown:
        return None
    if known and known[-1] - known[0] < MAX_SPAN:
        years = list(range(known[0], known[-1] + 1))
    else:
        years = known
    slots = [str(y) for y in years]
    left, top, height = 44, 14, 150
    # Few years get wider slots so the chart never shrinks to a stamp; many get narrow ones.
    step = max(14, min(60, 480 // max(1, len(slots) + has_unknown)))
    bar_width = round(step * 0.65)
    gap = step // 2 + 6 if has_unknown and slots else 0
    margin = 40 if rated else 12  # room for the rate axis on the right
    width = left + step * (len(slots) + has_unknown) + gap + margin
    peak = max(list(counts.values()) + [1])
    scale = _nice_max(peak)
    bars = []
    label_every = max(1, len(slots) // 16)
    for position, year in enumerate(slots + ([UNKNOWN] if has_unknown else [])):
        count = counts.get(year, 0)
        total = totals.get(year, 0) if rated else None
        x = left + position * step + (gap if year == UNKNOWN else 0) + (step - bar_width) / 2
        bar_height = height * count / scale
        rate = (count / total) if total else None
        inferred = (by_source or {}).get(year, {}).get(INFERRED, 0)
        inferred_height = height * inferred / scale
        bars.append({
            "year": year, "count": count, "total": total, "rate": rate, "inferred": inferred,
            "x": round(x, 1), "y": round(top + height - bar_height, 1), "width": bar_width,
            "height": round(bar_height, 1), "cx": round(x + bar_width / 2, 1),
            "inferred_height": round(inferred_height, 1),
            "rate_y": round(top + height * (1 - rate), 1) if rate is not None else None,
            "label": year == UNKNOWN or position % label_every == 0 or position == len(slots) - 1,
        })
    # The rate line joins consecutive years that have speeches; it breaks where a year has none,
    # and the unknown bar is not a point in time.
    lines, run = [], []
    for bar in bars:
        if bar["year"] != UNKNOWN and bar["rate_y"] is not None:
            run.append(f"{bar['cx']},{bar['rate_y']}")
        else:
            lines.append(run)
            run = []
    lines = [" ".join(run) for run in lines + [run] if len(run) > 1]
    ticks = [{"value": v, "y": round(top + height - height * v / scale, 1)} for v in (0, scale // 2, scale)]
    return {"width": width, "height": top + height + 30, "top": top, "bottom": top + height, "left": left,
            "right": width - margin, "bars": bars, "lines": lines, "ticks": ticks, "with_rate": rated,
            "split": by_source is not None, "any_inferred": any(bar["inferred"] for bar in bars)}


def _nice_max(peak: int) -> int:
    """Round an axis maximum up to 2, 4, 6 or 10 times a power of ten, so its half is round too."""
    magnitude = 1
    while True:
        for nice in (2, 4, 6, 10):
            if peak <= nice * magnitude:
                return nice * magnitude
        magnitude *= 10


def series_chart(result: dict, measure: str = "per_10k_chars") -> dict | None:
    """Lay out a comparison over one field: a point per term and bucket, joined by lines over years.

    `measure` is per_10k_chars (the rate) or occurrences (raw counts). The 未知 bucket is drawn
    apart at the right, never joined to the years; other fields (provinces, levels) get points only.
    """
    if len(result["by"]) != 1 or not result["buckets"] or not result["terms"]:
        return None
    field = result["by"][0]
    buckets = result["buckets"]
    known = [b for b in buckets if b["key"][field] != UNKNOWN]
    has_unknown = len(known) < len(buckets)
    left, top, height = 52, 14, 180
    step = max(16, min(64, 560 // max(1, len(buckets))))
    gap = step // 2 if has_unknown and known else 0
    width = left + step * len(buckets) + gap + 16
    values = [s[measure] or 0 for b in buckets for s in b["series"].values()]
    scale = _nice_axis(max(values + [0]))
    points, lines = [], []
    for index, term in enumerate(result["terms"]):
        run = []
        for position, bucket in enumerate(buckets):
            value = bucket["series"][term][measure]
            unknown = bucket["key"][field] == UNKNOWN
            x = left + position * step + step / 2 + (gap if unknown else 0)
            y = top + height - height * (value or 0) / scale
            points.append({"term": term, "series": index, "key": bucket["key"], "value": value,
                           "counts": bucket["series"][term], "speeches": bucket["speeches"], "chars": bucket["chars"],
                           "cx": round(x, 1), "cy": round(y, 1)})
            if field == "year" and not unknown and value is not None:
                run.append(f"{round(x, 1)},{round(y, 1)}")
            elif run:
                lines.append({"series": index, "points": " ".join(run)})
                run = []
        if len(run) > 1:
            lines.append({"series": index, "points": " ".join(run)})
    labels = [{"text": b["key"][field], "x": round(left + k * step + step / 2 + (gap if b["key"][field] == UNKNOWN else 0), 1)}
              for k, b in enumerate(buckets)]
    every = max(1, len(labels) // 16)
    labels = [label for k, label in enumerate(labels) if k % every == 0 or label["text"] == UNKNOWN]
    ticks = [{"value": v, "y": round(top + height - height * v / scale, 1)} for v in (0, scale / 2, scale)]
    return {"width": width, "height": top + height + 34, "top": top, "bottom": top + height, "left": left,
            "right": width - 16, "points": points, "lines": [ln for ln in lines if ln["points"].count(",") > 1],
            "labels": labels, "ticks": ticks, "measure": measure, "field": field}


def _nice_axis(peak: float) -> float:
    """Round an axis maximum up to 1, 2, 4, 5 or 10 times a power of ten (rates are fractions too)."""
    if peak <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(peak))
    for nice in (1, 2, 4, 5, 10):
        if peak <= nice * magnitude:
            return nice * magnitude
    return 10 * magnitude
