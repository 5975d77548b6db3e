"""`python -m model ...` (`pennydraw-data ...` once installed): the data commands. Argument parsing only;
the work is in formats.py, store.py, export.py, merge.py, stats.py and download.py.

    python -m model import FILE [FILE ...] [--db PATH] [--skip-bad]
    python -m model convert IN OUT [--skip-bad] [--simplify]
    python -m model forget CODE [--db PATH]
    python -m model purge --keep-days DAYS [--db PATH]
    python -m model export --db A.db [--db B.db ...] --out DIR [--formats raw,simplified,npy,npz,bin]
    python -m model merge OUT.db IN.db [IN.db ...]
    python -m model stats (--db PATH | --dir DIR) [--plot OUT.png]
    python -m model download --categories cat dog|all --out DIR [--format simplified]

One small function per subcommand (`cmd_<name>`), registered in `build_parser`. Bad input ends with
exit status 2 and one line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys

from model import export, locations, stats
from model.quickdraw import download, formats
from model.store import DEFAULT_DB_PATH, Store, StoreError, merge
from model.store.codec import normalize_code
from model.store.erasing import ERASURE_WAIT_S


EXIT_OK, EXIT_BAD_INPUT, EXIT_UNFINISHED = 0, 2, 3
PROG = "pennydraw-data"  # the name in usage and error lines; main(prog=...) says how it was started


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and still exits 2)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _print_skips(result: formats.Transfer) -> None:
    for message in result.errors:
        print(f"  skipped: {message}")
    if result.skipped_bad > len(result.errors):
        print(f"  ... and {result.skipped_bad - len(result.errors)} more")


def cmd_import(args) -> int:
    failed = 0
    with Store(args.db) as store:
        for path in args.files:
            try:
                result = formats.import_file(store, path, skip_bad=args.skip_bad)
            except (formats.FormatError, ValueError, OSError) as error:
                failed += 1
                print(f"nothing imported: {error}", file=sys.stderr)
                continue
            print(f"{path}: imported {result.written}, skipped-bad {result.skipped_bad}, "
                  f"duplicates {result.duplicates}, {result.rate:,.0f} drawings/s")
            _print_skips(result)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def cmd_convert(args) -> int:
    result = formats.convert_file(args.input, args.output, skip_bad=args.skip_bad, simplify=args.simplify)
    print(f"{args.output}: wrote {result.written} drawings from {args.input}, skipped-bad "
          f"{result.skipped_bad}, {result.rate:,.0f} drawings/s")
    _print_skips(result)
    return EXIT_OK


def _unfinished(store: Store, again: str) -> int:
    """Exit 3 and say how to finish an erasure whose old pages a reader still holds."""
    if store.erasure_finished:
        return EXIT_OK
    print(f"{PROG}: erasure not finished: copies of the erased drawings remain in {store.path}-wal and "
          f"{store.path} while another program (the game, say) keeps reading the database; run "
          f"`{PROG} {again} --db {store.path}` again once it has stopped", file=sys.stderr)
    return EXIT_UNFINISHED


def cmd_forget(args) -> int:
    with Store(args.db) as store:
        erased = store.forget(args.code, wait_seconds=args.wait)
        status = _unfinished(store, f"forget {args.code}")
    if erased == 0 and normalize_code(args.code) is None:
        print(f"nothing erased: {args.code!r} is not an erasure code (they look like K7F-3QXM)")
    elif erased == 0:
        print(f"nothing erased: no drawings stored under erasure code {args.code!r} here; the code is "
              "recorded as erased, so merging a kiosk database that holds it will not bring it in")
    else:
        print(f"erased the session with code {args.code!r} and its {erased} drawing(s), with their guesses")
    return status


def cmd_purge(args) -> int:
    with Store(args.db) as store:
        erased = store.purge_older_than(args.keep_days, wait_seconds=args.wait)
        status = _unfinished(store, f"purge --keep-days {args.keep_days}")
    print(f"erased {erased} player drawing(s) older than {args.keep_days} day(s) from {args.db}, with their "
          "guesses and emptied sessions; imported data is kept")
    return status


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 days or more, got {text!r}")
    return value


def cmd_export(args) -> int:
    settings = export.ExportSettings(formats=tuple(args.formats), categories=args.categories or None,
                                     licence=args.licence)
    result = export.export(args.db or [DEFAULT_DB_PATH], args.out, settings)
    for message in result.skipped:
        print(f"  skipped category: {message}")
    print(f"{args.out}: wrote {result.drawings} drawings in {len(result.categories)} categories as "
          f"{', '.join(settings.formats)} ({len(result.files) - 1} files) in {result.seconds:.1f} s; "
          f"see {args.out}/DATASHEET.md")
    return EXIT_OK


def cmd_merge(args) -> int:
    results = merge.merge(args.out, args.inputs)
    for counts in results:
        print(merge.summary(counts))
    with Store(args.out) as store:
        totals = store.totals()
    print(f"{args.out}: {totals['sessions']} session(s) with drawings, {totals['drawings']} drawing(s)")
    return EXIT_OK


def cmd_stats(args) -> int:
    table = stats.db_stats(args.db) if args.db else stats.dir_stats(args.dir)
    if not table:
        print(f"{args.db or args.dir}: no drawings")
        return EXIT_OK
    print(stats.format_table(table))
    if args.plot:
        print(f"wrote {stats.plot_stats(table, args.plot, title=str(args.db or args.dir))}")
    return EXIT_OK


def cmd_download(args) -> int:
    try:
        settings = download.DownloadSettings(
            base_url=args.base_url, retries=args.retries, progress=not args.quiet,
            max_bytes=None if args.max_gb is None else max(1, int(args.max_gb * download.GB)),
            deadline_s=args.deadline_hours * 3600)
    except ValueError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    try:
        for done in download.download(args.categories, args.out, args.format, settings):
            state = ("already there" if done.skipped else
                     f"{done.bytes:,} bytes" + (f" (resumed at {done.resumed_from:,})" if done.resumed_from else "")
                     + (", MD5 checked" if done.md5_checked else ""))
            print(f"{done.path}: {state}")
    except download.DownloadError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    return EXIT_OK


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="pennydraw's data commands: Quick, Draw! files "
                     "(.ndjson raw or simplified, .npy bitmaps, sketch-rnn .npz, .bin) and the drawing store.",
                     epilog=f"The store is {DEFAULT_DB_PATH} ({locations.DATA_DIR_KIND}) unless --db names another.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def db_option(command):
        command.add_argument("--db", metavar="PATH", default=DEFAULT_DB_PATH,
                             help=f"the SQLite store (default: {DEFAULT_DB_PATH})")

    def wait_option(command):
        command.add_argument("--wait", type=float, default=ERASURE_WAIT_S, metavar="SECONDS",
                             help="how long to wait for other programs reading the database to let the "
                                  "erased drawings' old copies be overwritten (default: %(default)s); "
                                  "exit status 3 when they did not")

    command = commands.add_parser("import", help="import Quick, Draw! files into the store",
                                  description="Import each file all or nothing: committed in short batches that no one sees "
                                  "until the last, so a game playing on the same database keeps saving rounds. "
                                  "Drawings whose key_id is already stored are counted as duplicates. "
                                  "An .npz never runs code: anything but numpy arrays in it is refused.")
    command.add_argument("files", nargs="+", metavar="FILE", help=".ndjson, .npz or .bin file (not .npy)")
    db_option(command)
    command.add_argument("--skip-bad", action="store_true",
                         help="skip malformed records and import the rest (default: refuse the whole file)")
    command.set_defaults(run=cmd_import)

    command = commands.add_parser("convert", help="convert a file to another format, by extension",
                                  description="Read IN (.ndjson, .npy, .npz, .bin) and write OUT in the format "
                                  "its extension names. .npy holds only bitmaps, so it converts only to .npy; "
                                  ".bin holds only ints 0-255, so raw drawings need --simplify.")
    command.add_argument("input", metavar="IN")
    command.add_argument("output", metavar="OUT")
    command.add_argument("--skip-bad", action="store_true", help="skip malformed records instead of stopping")
    command.add_argument("--simplify", action="store_true",
                         help="apply Google's simplification (0-255, RDP) to every drawing first")
    command.set_defaults(run=cmd_convert)

    command = commands.add_parser("forget", help="erase a player's session by its erasure code",
                                  description="Erase the session, drawings and guesses behind an erasure "
                                  "code such as K7F-3QXM (any case, dash optional), overwriting them in the "
                                  "database file and its write-ahead log. Exit status 3 (and a line saying "
                                  "how to finish) when another program's reading keeps old copies in the log.")
    command.add_argument("code", metavar="CODE")
    db_option(command)
    wait_option(command)
    command.set_defaults(run=cmd_forget)

    command = commands.add_parser("purge", help="erase players' drawings older than a number of days",
                                  description="The retention rule of play.py --keep-days, by hand: erase "
                                  "players' drawings made more than DAYS days ago, their guesses, and sessions "
                                  "left empty. Imported Quick, Draw! data is kept. 0 erases every player's "
                                  "drawing.")
    command.add_argument("--keep-days", type=_days, required=True, metavar="DAYS",
                         help="keep the drawings of the last DAYS days (play.py's default is 365)")
    db_option(command)
    wait_option(command)
    command.set_defaults(run=cmd_purge)

    examples = argparse.RawDescriptionHelpFormatter
    command = commands.add_parser(
        "export", help="write consented drawings as Quick, Draw! files with a DATASHEET.md",
        formatter_class=examples, description="Write the drawings of consented sessions (players' and "
        "imported) as Quick, Draw!-compatible files, one per category and format, in Google's folder "
        "layout: DIR/raw/<category>.ndjson (with times), DIR/simplified/<category>.ndjson, "
        "DIR/numpy_bitmap/<category>.npy, DIR/sketchrnn/<category>.npz, DIR/binary/<category>.bin, and "
        "DIR/DATASHEET.md (counts, dates, recognised rate, collection, consent, licence). Google's fields: "
        "key_id a 64-bit number as digits, countrycode empty for players' drawings unless the installation "
        "sets its country; erasure codes never leave the database. Several --db export together without "
        "duplicates. Written into a temporary folder moved into place at the end: a failure leaves DIR as "
        "it was; an earlier export in DIR is replaced; a category whose name cannot be a file name is "
        "skipped with a message.",
        epilog="examples:\n"
               "  python -m model export --db data/pennydraw.db --out export/\n"
               "  python -m model export --db kiosk1.db --db kiosk2.db --out export/ --formats simplified,npy\n"
               "  python -m model export --db data/pennydraw.db --out export/ --formats simplified,bin\n"
               "  python -m model export --out export/ --categories cat \"alarm clock\" --licence \"CC0 1.0\"")
    command.add_argument("--db", metavar="PATH", action="append",
                         help=f"a store to export; repeat for several (default: {DEFAULT_DB_PATH})")
    command.add_argument("--out", metavar="DIR", required=True, help="folder for the files (created)")
    command.add_argument("--formats", type=_comma_list, default=list(export.LAYOUT), metavar="LIST",
                         help=f"comma-separated, among {','.join(export.LAYOUT)} (default: all)")
    command.add_argument("--categories", nargs="+", metavar="CATEGORY",
                         help="only these categories (default: every one with drawings)")
    command.add_argument("--licence", default=export.DEFAULT_LICENCE,
                         help="licence of the players' drawings, stated in the datasheet "
                              f"(default: {export.DEFAULT_LICENCE}, like Google's data)")
    command.set_defaults(run=cmd_export)

    command = commands.add_parser(
        "merge", help="merge kiosk databases into one, without duplicates", formatter_class=examples,
        description="Copy each IN into OUT (created if absent), all of each IN or nothing, in short "
        "batches that OUT's readers see only once the IN is complete (a game may keep playing on OUT); "
        "the INs are only read, never upgraded. Sessions are "
        "matched by erasure code, drawings by their stable key, guesses travel with their drawing, "
        "models are matched by version: merging again adds nothing. Only consented sessions travel. "
        "Erasure travels: every store keeps tombstones of what players erased (drawing keys and a hash "
        "of the code); merging copies IN's tombstones into OUT, erases in OUT what they name, and never "
        "copies an erased session or drawing, so a code forgotten on a kiosk or on OUT stays forgotten "
        "however the files are merged later. The INs themselves are only read: forgetting a code on OUT "
        "does not erase a kiosk's own copy, so run forget on the kiosk too.",
        epilog="examples:\n"
               "  python -m model merge all.db kiosk1.db kiosk2.db\n"
               "  python -m model merge all.db kiosk1.db     # again later: adds only what is new")
    command.add_argument("out", metavar="OUT.db")
    command.add_argument("inputs", nargs="+", metavar="IN.db")
    command.set_defaults(run=cmd_merge)

    command = commands.add_parser(
        "stats", help="per-category counts, drawing time, strokes, recognised rate",
        formatter_class=examples, description="Print per category: drawings, mean drawing time, mean "
        "strokes and recognised rate, of a store (consented drawings) or of the Quick, Draw! files "
        "directly in a folder (a mean only over drawings that carry it; '-' for none). --plot also "
        "draws them (matplotlib).",
        epilog="examples:\n"
               "  python -m model stats --db data/pennydraw.db\n"
               "  python -m model stats --dir export/simplified --plot simplified.png")
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", metavar="PATH", help="a pennydraw store")
    source.add_argument("--dir", metavar="DIR", help="a folder of .ndjson, .bin, .npz or .npy files")
    command.add_argument("--plot", metavar="OUT.png", help="also write PNG charts")
    command.set_defaults(run=cmd_stats)

    command = commands.add_parser(
        "download", help="fetch Google's Quick, Draw! files (the only command using the network)",
        formatter_class=examples, description="Download Google's official files from the public "
        "Quick, Draw! bucket into DIR/<format>/<category>.<ext>. Resumable (a .part file and HTTP "
        "Range, with If-Range so a file changed on the server restarts), retried with backoff, size- "
        "and MD5-checked, complete only when its length was announced; bounded by a cap per file, a "
        "deadline and a minimum rate (a stalled transfer is cut off). Files already there are skipped. "
        "The data is Google's, under CC BY 4.0.",
        epilog="examples:\n"
               "  python -m model download --categories cat dog \"alarm clock\" --out data/quickdraw\n"
               "  python -m model download --categories all --format numpy_bitmap --out data/quickdraw\n"
               "  python -m model import data/quickdraw/simplified/cat.ndjson   # then into the store")
    command.add_argument("--categories", nargs="+", required=True, metavar="CATEGORY",
                         help="Quick, Draw! category names, or all (the 345 of "
                              "assets/quickdraw_categories.txt)")
    command.add_argument("--out", metavar="DIR", required=True, help="folder for the files (created)")
    command.add_argument("--format", choices=list(download.FORMATS), default="simplified",
                         help="which of Google's files (default: simplified)")
    command.add_argument("--base-url", default=download.BASE_URL, metavar="URL",
                         help=f"the bucket or a mirror with the same layout (default: {download.BASE_URL})")
    command.add_argument("--retries", type=int, default=download.DownloadSettings.retries, metavar="N",
                         help="attempts without progress before giving up (default: %(default)s)")
    command.add_argument("--max-gb", type=float, metavar="GB",
                         help="the most one file may be, in GB (default: by format, e.g. 2 for simplified)")
    command.add_argument("--deadline-hours", type=float, metavar="H",
                         default=download.DownloadSettings.deadline_s / 3600,
                         help="stop after this long, keeping what came to resume (default: %(default)g)")
    command.add_argument("--quiet", action="store_true", help="no progress bar")
    command.set_defaults(run=cmd_download)
    return parser


def main(argv: list[str] | None = None, prog: str = "pennydraw-data") -> int:
    global PROG
    PROG = prog
    args = build_parser(prog).parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:   # `... | head`: the reader has what it wanted; no traceback, no message
        sys.stdout = None     # nothing more to flush at exit
        return EXIT_OK
    except (formats.FormatError, ValueError, OSError, sqlite3.Error, StoreError, export.ExportError) as error:
        return _fail(str(error))


if __name__ == "__main__":
    sys.exit(main(prog="python -m model"))
