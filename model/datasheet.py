"""The DATASHEET.md written beside exported drawings: what the files hold, how and under which terms.

In the spirit of "Datasheets for Datasets" (Gebru et al.): counts per category, the date range, the
recognised rate, how the drawings were collected (the game, its version, the prompt, the rounds,
the machine's guesses), consent, and the licences: the operator's choice for the players' drawings,
Google's CC BY 4.0 for imported Quick, Draw! drawings. Pure text from an `ExportResult`.
"""
from __future__ import annotations

from datetime import datetime, timezone

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
QUICKDRAW = "https://github.com/googlecreativelab/quickdraw-dataset"
ROUND_SECONDS = 20  # the game's default round length (`play.py --seconds`)

_FILES = {
    "raw": "`raw/<category>.ndjson`: one drawing per line, strokes `[xs, ys, ts]` as recorded (players' "
           "drawings: canvas pixels, `ts` in ms since the drawing's first point; imported drawings as "
           "they were imported, so simplified ones carry no times)",
    "simplified": "`simplified/<category>.ndjson`: Google's simplification (aligned top-left, scaled "
                  "to 0-255, resampled at 1 unit, Ramer-Douglas-Peucker with epsilon 2), no times; "
                  "drawings already in that form are kept as they are",
    "npy": "`numpy_bitmap/<category>.npy`: uint8 array (N, 784), 28x28 bitmaps of the simplified "
           "drawings rendered with Google's recipe, 0 background, 255 ink, in the order of the ndjson",
    "npz": "`sketchrnn/<category>.npz`: sketch-rnn stroke-3 int16 arrays `train`/`valid`/`test` (18:1:1, "
           "chosen from the `key_id` so a drawing keeps its split in later exports); load with "
           "`np.load(path, encoding='latin1', allow_pickle=True)`",
    "bin": "`binary/<category>.bin`: Google's binary records of the simplified drawings, little-endian: "
           "key_id uint64, countrycode 2 bytes (zeros when empty), recognized 1 byte, timestamp uint32 "
           "(epoch seconds), n_strokes uint16, then per stroke n_points uint16, x uint8[n], y uint8[n]",
}


def _day(iso: str | None) -> str:
    return iso[:10] if iso else "-"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def category_table(categories: dict) -> list[str]:
    """The markdown table of counts per category, with a total row."""
    lines = ["| category | drawings | players' | imported | recognised | first | last |",
             "|---|---:|---:|---:|---:|---|---|"]
    for word, c in categories.items():
        lines.append(f"| {word} | {c.drawings} | {c.players} | {c.imported} | "
                     f"{_percent(c.recognized, c.drawings)} | {_day(c.first)} | {_day(c.last)} |")
    totals = [sum(getattr(c, name) for c in categories.values())
              for name in ("drawings", "players", "imported", "recognized")]
    firsts = [c.first for c in categories.values() if c.first]
    lasts = [c.last for c in categories.values() if c.last]
    lines.append(f"| **total** | {totals[0]} | {totals[1]} | {totals[2]} | {_percent(totals[3], totals[0])} | "
                 f"{_day(min(firsts, default=None))} | {_day(max(lasts, default=None))} |")
    return lines


def licence_text(licence: str) -> str:
    if licence.strip().upper().replace("-", " ") in ("CC BY 4.0", "CC BY"):
        return f"Creative Commons Attribution 4.0 International (CC BY 4.0, {CC_BY_4})"
    return licence.strip()


def datasheet_text(result, version: str, now: datetime | None = None) -> str:
    """DATASHEET.md for an `export.ExportResult`."""
    now = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    categories = result.categories
    players = sum(c.players for c in categories.values())
    imported = sum(c.imported for c in categories.values())
    empty = sum(c.empty for c in categories.values())
    databases = ", ".join(f"`{path.name}`" for path in result.databases)
    lines = [
        "# Datasheet: pennydraw drawings",
        "",
        f"Exported {now} by pennydraw {version} from {len(result.databases)} database(s) ({databases}): "
        f"{result.drawings} drawings in {len(categories)} categories, {players} drawn by players of "
        f"pennydraw and {imported} imported from the Quick, Draw! dataset.",
        "",
        "## Files",
        "",
        "Quick, Draw!-compatible, one file per category and format, in the folder layout of Google's "
        "bucket; any Quick, Draw! reader opens them.",
        "",
        *[f"- {_FILES[name]}" for name in result.settings.formats],
        "",
        "Fields of the ndjson files are Google's: `word` (the category the player was asked to draw), "
        "`countrycode` (empty for players' drawings unless the installation labels all its drawings with "
        "its own country, the `country` setting; a player is never asked where they come from; imported "
        "drawings keep Google's), `timestamp` (when the drawing was saved, UTC), `recognized` (whether "
        "the machine guessed the word in time), `key_id` (a 64-bit unsigned number written as digits, as in "
        "Google's files: Google's own for imported drawings, derived from pennydraw's stable drawing key for "
        "players', so every export gives a drawing the same one and exports and merges never duplicate "
        "a drawing) and `drawing`.",
        "",
        "## Contents",
        "",
        *category_table(categories),
        "",
    ]
    if result.skipped:
        lines += [f"{len(result.skipped)} categor{'y is' if len(result.skipped) == 1 else 'ies are'} not in "
                  "the files, their names being unusable as file names:", "",
                  *[f"- {message}" for message in result.skipped], ""]
    if empty:
        lines += [f"{empty} stored drawing(s) without any stroke (rounds where nothing was drawn) are "
                  "not in the files: Quick, Draw! files hold no empty drawings.", ""]
    lines += [
        "## How the drawings were collected",
        "",
        f"Players' drawings come from pennydraw {version}, an open drawing game in the manner of "
        "Quick, Draw!. A round shows a prompt (\"Draw: cat\", in the player's language) and gives "
        f"{ROUND_SECONDS} seconds by default (the operator may change it); six rounds make a game. "
        "A neural network on the same computer guesses aloud while the player draws, and the round "
        "ends once it names the prompt (`recognized` true) or the time runs out. Every stroke point "
        "is kept with its time. The machine's guesses over time (top categories with their "
        "probabilities) and the moment of recognition are recorded in the database beside each "
        "drawing; they are not part of these files. No name, account, location, camera image or "
        "device identifier is recorded.",
        "",
        "Drawing for the machine is work: every drawing here is a labelled training example given "
        "for free. pennydraw shows each player this labour (seconds worked, labels made, what a "
        "micro-task platform would have paid) after their game.",
        "",
        "## Consent",
        "",
        "A player's drawings are stored only when they agree before playing; a session without "
        "consent writes nothing. Only consented sessions are exported. Each player receives a "
        "short erasure code that erases their session from the database; the codes never leave "
        "the database and are not in these files. An erasure made after this export cannot reach "
        "copies of these files: re-export and replace them to honour it.",
        "",
        "## Licence",
        "",
    ]
    if players:
        lines += [f"Players' drawings ({players}): {licence_text(result.settings.licence)}, as chosen by "
                  "the operator of the game. Attribution: \"pennydraw players\".", ""]
    if imported:
        sources = ", ".join(f"`{name}`" for name in sorted(result.imported_sources))
        lines += [
            f"Imported drawings ({imported}, from {sources}): The Quick, Draw! Dataset by Google, Inc., "
            f"made available under the Creative Commons Attribution 4.0 International licence "
            f"(CC BY 4.0, {CC_BY_4}); attribution \"Quick, Draw! dataset, Google\" ({QUICKDRAW}). "
            "Changes: format conversion; their `key_id`, `countrycode` and `recognized` are Google's.",
            "",
        ]
    return "\n".join(lines)
