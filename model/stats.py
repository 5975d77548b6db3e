"""Per-category statistics of a drawing store or a folder of Quick, Draw! files, as a table or charts.

`python -m model stats --db PATH` or `--dir DIR`: for each category the number of drawings, the mean
drawing time, the mean number of strokes and the recognised rate. A mean is taken over the drawings
that carry the quantity: simplified files hold no times, `.npy` bitmaps no strokes and no
`recognized` flag; "-" where none does. Drawing time is the store's `duration_ms` (for players: the
round until recognition or time-out) or, in raw files, the last point's time stamp. The store is read with
SQL (only consented sessions), files
are streamed one record at a time. `--plot OUT.png` draws the same numbers with matplotlib, which is
imported only then, so `python -m model` stays quick to start.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.quickdraw.formats import SUFFIXES, category_from_path, read_drawings
from model.store import Store

PLOT_CATEGORIES = 40  # the plot shows the categories with the most drawings, at most this many


@dataclass
class CategoryStats:
    category: str
    drawings: int = 0
    timed: int = 0           # drawings with a drawing time
    milliseconds: float = 0  # their total drawing time
    stroked: int = 0         # drawings with strokes (not bitmaps)
    strokes: int = 0         # their total number of strokes
    judged: int = 0          # drawings with a `recognized` flag
    recognized: int = 0

    @property
    def mean_seconds(self) -> float | None:
        return self.milliseconds / self.timed / 1000 if self.timed else None

    @property
    def mean_strokes(self) -> float | None:
        return self.strokes / self.stroked if self.stroked else None

    @property
    def recognized_rate(self) -> float | None:
        return self.recognized / self.judged if self.judged else None

    def add(self, other: CategoryStats) -> None:
        for name in ("drawings", "timed", "milliseconds", "stroked", "strokes", "judged", "recognized"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def db_stats(path) -> list[CategoryStats]:
    """Statistics of the consented drawings of a store, by category (sorted)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no database at {path}")
    with Store(path, read_only=True) as store:  # an input: never migrated nor switched to WAL
        rows = store.db.conn.execute(
            "SELECT d.word, count(*), count(d.duration_ms), coalesce(sum(d.duration_ms), 0), "
            "coalesce(sum(json_array_length(d.drawing)), 0), coalesce(sum(d.recognized), 0) "
            "FROM drawings d JOIN sessions s ON s.id = d.session_id WHERE s.consent = 1 "
            "GROUP BY d.word ORDER BY d.word").fetchall()
    return [CategoryStats(word, drawings=n, timed=timed, milliseconds=ms, stroked=n, strokes=strokes,
                          judged=n, recognized=recognized)
            for word, n, timed, ms, strokes, recognized in rows]


def drawing_ms(drawing) -> float | None:
    """A raw drawing's duration: the last time stamp (times count from the first point); None
    without times."""
    times = [max(stroke[2]) for stroke in drawing if len(stroke) == 3 and len(stroke[2])]
    return max(times) if times else None


def file_stats(path) -> CategoryStats:
    """Statistics of one Quick, Draw! file (any format `read_drawings` knows)."""
    stats = CategoryStats(category_from_path(path))
    for record in read_drawings(path):
        stats.drawings += 1
        drawing = record.get("drawing")
        if drawing is not None:
            stats.stroked += 1
            stats.strokes += len(drawing)
            ms = drawing_ms(drawing)
            if ms is not None:
                stats.timed += 1
                stats.milliseconds += ms
        if record.get("recognized") is not None:
            stats.judged += 1
            stats.recognized += bool(record["recognized"])
    return stats


def dir_stats(directory) -> list[CategoryStats]:
    """Statistics of every Quick, Draw! file directly in `directory`, by category (the file name;
    a category's `.ndjson` and `.npy` files add up). `.npz` files never run code."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no folder at {directory}")
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        inner = sorted(p.name for p in directory.iterdir() if p.is_dir())
        hint = f" (it has folders: {', '.join(inner)}; give one of them)" if inner else ""
        raise FileNotFoundError(f"no Quick, Draw! files (.ndjson, .bin, .npz, .npy) in {directory}{hint}")
    by_category: dict[str, CategoryStats] = {}
    for path in files:
        stats = file_stats(path)
        by_category.setdefault(stats.category, CategoryStats(stats.category)).add(stats)
    return [by_category[name] for name in sorted(by_category)]


def total(stats: list[CategoryStats]) -> CategoryStats:
    whole = CategoryStats("total")
    for item in stats:
        whole.add(item)
    return whole


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(stats: list[CategoryStats]) -> str:
    """An aligned text table, one row per category and a total row."""
    header = ("category", "drawings", "mean time (s)", "mean strokes", "recognised")
    rows = [(s.category, str(s.drawings), _number(s.mean_seconds), _number(s.mean_strokes),
             "-" if s.recognized_rate is None else f"{100 * s.recognized_rate:.1f} %")
            for s in [*stats, total(stats)]]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join([cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:]))])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *map(line, rows[:-1]), rule, line(rows[-1])])


def plot_stats(stats: list[CategoryStats], out, title: str = "") -> Path:
    """PNG charts of counts, mean strokes, mean time and recognised rate per category (the
    PLOT_CATEGORIES largest categories); returns the file written."""
    import matplotlib  # lazily: only this command needs it, and it takes a while to import
    matplotlib.use("Agg")  # files only, no window
    from matplotlib import pyplot

    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"{out}: the plot is written as PNG; name it something.png")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"{out}: the folder {out.parent} does not exist")
    if not stats:
        raise ValueError("nothing to plot: no drawings")
    shown = sorted(stats, key=lambda s: (-s.drawings, s.category))[:PLOT_CATEGORIES][::-1]
    names = [s.category for s in shown]
    panels = [("drawings", [s.drawings for s in shown]),
              ("mean strokes", [s.mean_strokes for s in shown]),
              ("mean time (s)", [s.mean_seconds for s in shown]),
              ("recognised (%)", [None if s.recognized_rate is None else 100 * s.recognized_rate
                                  for s in shown])]
    # A quantity no file carries (times in simplified files) gets no empty panel; gaps draw as 0.
    panels = [(label, [v or 0 for v in values]) for label, values in panels
              if any(v is not None for v in values)]
    figure, axes = pyplot.subplots(1, len(panels), sharey=True, squeeze=False,
                                   figsize=(4 * len(panels), 1.5 + 0.25 * len(shown)))
    axes = axes[0]
    for axis, (label, values) in zip(axes, panels):
        axis.barh(names, values, color="#4a7ab5")
        axis.set_xlabel(label)
        axis.grid(axis="x", alpha=0.3)
    more = f" (the {len(shown)} largest of {len(stats)} categories)" if len(stats) > len(shown) else ""
    figure.suptitle(f"{title}{more}")
    figure.tight_layout()
    try:
        figure.savefig(out, dpi=100)
    finally:
        pyplot.close(figure)
    return out
