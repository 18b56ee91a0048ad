"""Small SVG charts drawn on the server: horizontal bars and a line. No script, no inline style.

Each function returns Markup for one inline <svg role="img"> with a <title> and a <desc>; every label is
escaped here (labels come from user data). The viewBox has a fixed width and a height that follows the rows;
CSS draws it at 100 % of its column, so it reads the same on a phone. Colours come from CSS classes
(`s1`, `s2` for the series), never from style attributes: the Content-Security-Policy forbids those.
"""

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale
from markupsafe import Markup, escape

WIDTH = 400  # user units; the text sizes below are chosen for this width drawn about 340 px wide on a phone
PAD = 6
LABEL = 13  # category labels (CSS: .chart text)
VALUE = 11  # values beside the bars (CSS: .chart .v)
BAR = 11
ROW_GAP = 9
LABEL_CHARS = 50  # longer labels are cut with "…"; the whole one is in the row's tooltip and the data table


def _locale(locale):
    return str(locale or get_locale() or "kk")


def number(value, locale=None):
    """A count or a rate in the locale's digits: 1 234 or 2,5 (kk, ru), 1,234 or 2.5 (en)."""
    return format_decimal(value, format="#,##0.##", locale=_locale(locale))


def percent(share, locale=None):
    """A share 0–1 as the locale writes a percent, with one decimal at most: 25,7 % (ru), 25.7% (en)."""
    code = _locale(locale)
    pattern = Locale.parse(code).percent_formats[None].pattern.replace("#,##0", "#,##0.#", 1)
    return format_percent(share, format=pattern, locale=code)


def _short(text, limit=LABEL_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _n(value):
    """A coordinate: short, with no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_width(text, size):
    """A safe guess of a text's width (no font metrics on the server): wide enough for Cyrillic and digits."""
    return len(text) * size * 0.62


def _svg(chart_id, title, desc, height, body, kind):
    chart_id = escape(chart_id)
    # every piece of text in `body` was escaped where it was made, as title and desc are here
    return Markup(  # noqa: S704  # nosec B704
        f'<svg class="chart chart-{kind}" id="{chart_id}" viewBox="0 0 {WIDTH} {_n(height)}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
        f'{body}</svg>')


def _legend(series):
    """Swatches and names of the series, wrapped onto a second line when they do not fit: (markup, height)."""
    parts, x, y = [], PAD, 14
    for i, name in enumerate(series, start=1):
        width = 17 + _text_width(str(name), LABEL)
        if x > PAD and x + width > WIDTH - PAD:
            x, y = PAD, y + LABEL + 6
        parts.append(f'<rect class="key s{i}" x="{_n(x)}" y="{y - 10}" width="12" height="12" rx="2"/>'
                     f'<text x="{_n(x + 17)}" y="{y}">{escape(name)}</text>')
        x += width + 14
    return "".join(parts), y + 8


def hbars(chart_id, title, desc, rows, series, fmt=number, missing="—"):
    """Horizontal bars, one row per category, one bar per series (one or two series).

    rows: [(label, (value, …))] in the order to draw; a value of None has no bar and shows `missing`
    (say "no data" rather than a false zero). fmt turns a value into its label, e.g. format_money.
    """
    series = list(series)
    labels = [[missing if v is None else fmt(v) for v in values] for _label, values in rows]
    numbers = [float(v) for _label, values in rows for v in values if v is not None]
    top = max(numbers, default=0) or 1
    widest = max((_text_width(t, VALUE) for row in labels for t in row), default=0)
    area = WIDTH - 2 * PAD - min(widest + 6, WIDTH / 2)
    legend, y = _legend(series) if len(series) > 1 else ("", 0)
    parts, y = [legend], y + 2
    for (label, values), texts in zip(rows, labels, strict=True):
        tip = f"{label}: " + "; ".join(f"{name} {text}" for name, text in zip(series, texts, strict=True))
        row = [f'<title>{escape(tip)}</title><text x="{PAD}" y="{_n(y + LABEL)}">{escape(_short(label))}</text>']
        bar_y = y + LABEL + 4
        if all(v is None for v in values):  # one "no data" for the row, not one per series
            row.append(f'<text class="v missing" x="{PAD + 4}" y="{_n(bar_y + BAR - 2)}">{escape(texts[0])}</text>')
            bar_y += BAR + 2
        else:
            for i, (value, text) in enumerate(zip(values, texts, strict=True), start=1):
                width = 0 if value is None else max(float(value), 0) / top * area
                if width:
                    row.append(f'<rect class="s{i}" x="{PAD}" y="{_n(bar_y)}" width="{_n(max(width, 1))}" '
                               f'height="{BAR}"/>')
                cls = "v missing" if value is None else "v"
                row.append(f'<text class="{cls}" x="{_n(PAD + width + 4)}" y="{_n(bar_y + BAR - 2)}">'
                           f'{escape(text)}</text>')
                bar_y += BAR + 2
        parts.append(f'<g class="row">{"".join(row)}</g>')
        y = bar_y + ROW_GAP
    return _svg(chart_id, title, desc, y, "".join(parts), "bars")


def line(chart_id, title, desc, labels, series, values, fmt=percent, top=1, ticks=(0, 0.25, 0.5, 0.75, 1)):
    """A line per series over the categories `labels` (years, calls), on a fixed axis 0–`top`.

    values: one list per series, aligned with labels; None leaves a gap in the line (no figure that year).
    Each point has its figure as a tooltip; the last figure of each line is written at its end.
    """
    legend, plot_top = _legend(series)
    left, right, bottom = 44, 52, 24
    height = plot_top + 12 + 180 + bottom
    plot_top += 12
    plot_h = height - plot_top - bottom
    plot_w = WIDTH - left - right
    count = len(labels)

    def x_at(i):
        return left + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y_at(v):
        return plot_top + plot_h * (1 - min(max(float(v), 0), float(top)) / float(top))

    parts = [legend]
    for tick in ticks:
        ty = y_at(tick)
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{_n(ty)}" y2="{_n(ty)}"/>'
                     f'<text class="v axis" x="{left - 5}" y="{_n(ty + 4)}" text-anchor="end">'
                     f'{escape(fmt(tick))}</text>')
    step = max(1, -(-count // 8))  # at most about eight category labels, so they never run together
    for i, label in enumerate(labels):
        if i % step == 0 or i == count - 1:
            parts.append(f'<text class="v axis" x="{_n(x_at(i))}" y="{height - 6}" '
                         f'text-anchor="middle">{escape(_short(label, 12))}</text>')
    ends = []
    for s, (name, points) in enumerate(zip(series, values, strict=True), start=1):
        runs = [[]]
        for i, v in enumerate(points):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x_at(i), y_at(v)))
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{_n(px)},{_n(py)}" for px, py in run)
                parts.append(f'<polyline class="line s{s}" points="{coords}"/>')
        for i, v in enumerate(points):
            if v is not None:
                tip = f"{name}, {labels[i]}: {fmt(v)}"
                parts.append(f'<circle class="s{s}" cx="{_n(x_at(i))}" cy="{_n(y_at(v))}" r="3.5">'
                             f'<title>{escape(tip)}</title></circle>')
        last = next(((i, v) for i, v in reversed(list(enumerate(points))) if v is not None), None)
        if last is not None:
            ends.append([y_at(last[1]) + 4, x_at(last[0]) + 7, fmt(last[1]), s])
    ends.sort()
    for a, b in zip(ends, ends[1:], strict=False):  # keep the end labels of close lines apart
        b[0] = max(b[0], a[0] + VALUE + 1)
    for ey, ex, text, s in ends:
        parts.append(f'<text class="v end t{s}" x="{_n(ex)}" y="{_n(ey)}">{escape(text)}</text>')
    return _svg(chart_id, title, desc, height, "".join(parts), "line")
