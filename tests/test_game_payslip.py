"""The pay slip: figures computed by hand, every figure traced to the rates file (or to the game's own
measurement), no wage worked out from the game, the orders and the times the machine watched,
rendered in three languages without overflow, saved as PNG, and its erasure code erasing every row of
the session."""
from __future__ import annotations

import os
import tomllib

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from decimal import Decimal  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.i18n import Translations  # noqa: E402
from game.payslip_render import PNG_SIZE, draw_sheet, render_png  # noqa: E402
from game.payslip_sheet import COLUMN_KEYS, game_work, payslip, times_watched  # noqa: E402
from game.rounds import RoundResult  # noqa: E402
from game.scenes.payslip import PayslipScene, shown_path  # noqa: E402
from game.settings import LANGUAGES  # noqa: E402
from game.ui import TextFitter  # noqa: E402
from game_fixtures import circle_points, click, draw_stroke, finish_round, make_app, settle, start_game  # noqa: E402
from model import labour, labour_format  # noqa: E402
from model.__main__ import main as data_cli  # noqa: E402
from model.store import Session, Store  # noqa: E402

INK = [[[0, 50, 100], [0, 80, 0], [0, 10, 20]]]


def rounds(*durations_ms, empty=()):
    """Finished rounds with the given drawing times; indexes in `empty` were left blank."""
    return [RoundResult(word=f"w{i}", drawing=[] if i in empty else INK, recognized=i % 2 == 0,
                        guessed_at_ms=None, duration_ms=ms, guesses=[]) for i, ms in enumerate(durations_ms)]


@pytest.fixture(scope="module")
def rates():
    return labour.load_rates()


def test_game_work_counts_drawings_with_ink_guessed_or_not():
    assert game_work(rounds(12_000, 20_000, 0, 8_000, empty={2})) == (40.0, 3)
    assert game_work([]) == (0.0, 0)


def test_figures_against_hand_computed_values(rates):
    # 3 drawings in 40 s. Penny task: 3 x $0.01 = $0.03; SageMaker's lowest price: 3 x $0.012 = $0.036;
    # typical micro-task: 3 x $0.05 = $0.15. Paid: $0.00, an hourly wage of $0.00.
    results = rounds(12_000, 20_000, 0, 8_000, empty={2})
    results[0].guesses = [(100, [("cat", 0.5)]), (200, [("cat", 0.6)])]
    sheet = payslip(results, rates, Translations.load("en"),
                    session=Session(id=1, code="K7F-3QXM", consent=True), when=datetime(2026, 5, 1, 14, 5))
    plain = lambda cell: cell.text.replace(labour_format.NBSP, " ")  # noqa: E731
    assert [(label, plain(cell)) for label, cell in sheet.work] == [
        ("Time worked (drawing)", "40 s"), ("Units produced: labelled drawings", "3"),
        ("Orders given (the words to draw)", "4"), ("Times the machine watched you (its guesses)", "2")]
    table = {label: [plain(cell) for cell in cells] for label, cells in sheet.table}
    assert table == {"Rate per label": ["$0.01", "$0.012", "$0.05"], "Gross": ["$0.03", "$0.036", "$0.15"]}
    assert [line.text.split("\n")[0] for line in sheet.columns] == ["Penny task", "Amazon SageMaker",
                                                                  "Typical micro-task"]
    assert "2010s" in sheet.columns[0].text  # the penny rate is a rate of the past, and says so
    assert plain(sheet.paid[1]) == "$0.00" and plain(sheet.wage[1]) == "$0.00/h"
    heading, median, why = sheet.earnings
    assert median.text.replace(labour_format.NBSP, " ") == (
        "Median on Amazon Mechanical Turk: about $2.00/h. Only 4% earn more than $7.25/h.")
    assert why.text.startswith("Why so little:") and why.note == median.note  # both from Hara et al.
    assert sheet.quote.text.startswith("\u201cIt is neither free work nor play.")
    assert sheet.quote.text.endswith("(translated from French)")
    assert "Revenu Universel Numérique" in sheet.remedy.text and sheet.remedy.note == sheet.quote.note
    assert sheet.code == "K7F-3QXM" and "python\u00a0-m\u00a0model\u00a0forget\u00a0K7F-3QXM" in sheet.erase_how
    assert sheet.date == "2026-05-01 14:05" and sheet.donated
    assert "Kept for 365 days" not in sheet.where  # keep_days not given: kept until erased
    assert sheet.where.endswith("Kept until you or the people running this installation erase them.")


def test_no_wage_is_worked_out_from_the_game(rates):
    # A fast game "earns" at 5 cents a label far more an hour than any micro-worker: the slip shows no
    # such figure, only the player's real wage (0) and the sourced earnings of micro-workers.
    sheet = payslip(rounds(2_000, 2_000, 2_000), rates, Translations.load("en"))
    hourly = [cell.figure for cell in sheet.figures() if cell.figure.unit == "USD/hour"]
    assert {(f.source_key, f.value) for f in hourly} == {
        (labour.SESSION, 0), ("hourly.hara_median", 2), ("hourly.hara_minimum_wage", Decimal("7.25"))}


def test_a_declined_slip_says_what_the_work_would_have_been_worth(rates):
    for lang, label in (("en", "Would have been worth"), ("fr", "Aurait valu"), ("nl", "Zou waard zijn geweest")):
        sheet = payslip(rounds(5_000), rates, Translations.load(lang), session=Session(None, None, False))
        assert sheet.table[1][0] == label and not sheet.donated and sheet.code is None


def test_the_french_slip_quotes_casilli_in_his_own_words(rates):
    sheet = payslip(rounds(5_000), rates, Translations.load("fr"))
    assert rates["statements.lecho_surveillance"].text in sheet.quote.text
    assert "tradu" not in sheet.quote.text
    assert Translations.load("fr").t("slip_quote") == rates["statements.lecho_surveillance"].text


def test_times_watched_comes_from_the_store_for_a_donated_game(tmp_path):
    with Store(tmp_path / "w.db") as store:
        session = store.start_session()
        results = rounds(5_000, 6_000)
        for result in results:
            result.guesses = [(t, [("cat", 0.5)]) for t in range(0, 500, 100)]
            result.drawing_id = store.save_drawing(session, result.word, result.drawing, False, None,
                                                   result.duration_ms, result.guesses)
        assert times_watched(results, store, session) == 10
        results[0].guesses = []  # what the rounds hold no longer matters: the store has kept it
        assert times_watched(results, store, session) == 10
        assert times_watched(results, store, Session(None, None, False)) == 5  # nothing stored: the rounds
        waiting = rounds(4_000)[0]          # a round the writer has not committed yet (a busy database)
        waiting.guesses = [(t, [("cat", 0.5)]) for t in range(0, 300, 100)]
        assert times_watched(results + [waiting], store, session) == 13   # counted from memory meanwhile


def slip_rows(sheet):
    """The slip's rows of figures as (label, cells), in the order it shows them."""
    return [*((label, (cell,)) for label, cell in sheet.work), *sheet.table, (sheet.paid[0], (sheet.paid[1],)),
            (sheet.wage[0], (sheet.wage[1],))]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_figure_traces_to_the_rates_file(rates, lang):
    with open(labour.DEFAULT_RATES_PATH, "rb") as f:
        raw = tomllib.load(f)  # read independently of load_rates
    in_file = {f"{section}.{name}" for section, table in raw.items() for name in table}
    tr = Translations.load(lang)
    results = rounds(19_999, 7_001, 3_456)
    seconds, labels = game_work(results)
    sheet = payslip(results, rates, tr, session=Session(id=1, code="ABC-DEFG", consent=True), keep_days=30)
    figures = sheet.figures()
    assert len(figures) == 4 + 2 * len(COLUMN_KEYS) + 2 + 3  # work, the table, paid and wage, earnings
    rows = slip_rows(sheet)
    assert all(cell in figures for _, cells in rows for cell in cells), lang  # every row has a source
    assert sheet.measured_note  # what the unnumbered figures' source, the game, means
    numbers = dict(sheet.notes)
    for cell in figures:
        figure = cell.figure
        if figure.source_key == labour.SESSION:
            assert cell.note is None
            assert figure.value in (Decimal(str(seconds)), labels, len(results), 0), figure
            continue
        assert figure.source_key in in_file, figure.source_key
        entry = rates[figure.source_key]  # a KeyError would mean a figure without a source
        assert numbers[cell.note] == rates.short_citation(figure.source_key)
        expected = {"USD/label": entry.value, "USD": entry.value * labels, "USD/hour": entry.value,
                    "percent": entry.value}
        assert figure.value == expected[figure.unit], (figure.source_key, figure.unit)
        # The text on the slip is that figure, formatted by the ledger, and nothing else.
        formatted = (tr.percent(entry.value / 100),) if figure.unit == "percent" else (
            labour_format.format_figure(figure, lang), labour_format.format_money(figure.value, lang))
        assert cell.text in formatted, (cell.text, formatted)
    lines = [*sheet.earnings, sheet.quote, sheet.remedy]
    assert {number for number, _ in sheet.notes} == {cell.note for cell in figures if cell.note} | {
        line.note for line in lines if line.note}
    assert "30" in sheet.where and sheet.where_settings == ("30", "pennydraw.db")


# 6 drawings in 93 s. By hand: 6 x $0.01 = $0.06; 6 x $0.012 = $0.072; 6 x $0.05 = $0.30; paid $0.00.
SIX_DRAWINGS = {
    "en": [["1 min 33 s"], ["6"], ["6"], ["0"], ["$0.01", "$0.012", "$0.05"], ["$0.06", "$0.072", "$0.30"],
           ["$0.00"], ["$0.00/h"]],
    "fr": [["1 min 33 s"], ["6"], ["6"], ["0"], ["0,01 $", "0,012 $", "0,05 $"], ["0,06 $", "0,072 $", "0,30 $"],
           ["0,00 $"], ["0,00 $/h"]],
    "nl": [["1 min 33 s"], ["6"], ["6"], ["0"], ["$ 0,01", "$ 0,012", "$ 0,05"], ["$ 0,06", "$ 0,072", "$ 0,30"],
           ["$ 0,00"], ["$ 0,00/u"]],
}


def test_the_rows_and_their_values_in_every_language(rates):
    sheets = {lang: payslip(rounds(*[15_500] * 6), rates, Translations.load(lang)) for lang in LANGUAGES}
    for lang, sheet in sheets.items():
        values = [[cell.text.replace(labour_format.NBSP, " ") for cell in cells] for _, cells in slip_rows(sheet)]
        assert values == SIX_DRAWINGS[lang], lang
    keys = [[[cell.figure.source_key for cell in cells] for _, cells in slip_rows(sheet)] for sheet in sheets.values()]
    assert keys[0] == keys[1] == keys[2]  # same rows, same sources, whatever the language
    assert keys[0][4] == keys[0][5] == list(COLUMN_KEYS) and keys[0][0] == keys[0][-1] == [labour.SESSION]
    assert [sheet.parties[0][0] for sheet in sheets.values()] == ["Employer", "Employeur", "Werkgever"]
    assert [sheet.parties[0][1].text for sheet in sheets.values()] == ["The machine", "La machine", "De machine"]
    labels = [[label for label, _ in slip_rows(sheet)] for sheet in sheets.values()]
    for translated in labels[1:]:  # every English label has a French and a Dutch translation
        assert all(english != other for english, other in zip(labels[0], translated))
    assert "ta partie" in sheets["fr"].measured_note  # tu, as everywhere in French


def sheet_rect(size) -> pygame.Rect:
    """Where the pay slip scene puts the sheet in a window of `size` (the scene's own layout)."""
    scene = PayslipScene(SimpleNamespace(show_game_over=None, show_taught=None, settings=SimpleNamespace(kiosk=False)))
    scene.ensure_layout(size)
    return scene.sheet_rect


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280), (640, 480), (1920, 1080)])
def test_the_slip_renders_in_three_languages_without_overflow(rates, size):
    pygame.font.init()
    text = TextFitter()
    surface = pygame.Surface(size)
    results = rounds(*[19_999] * 12)  # more rounds and time than any default game
    rect = sheet_rect(size)
    for lang in LANGUAGES:
        for session in (Session(id=1, code="WWW-WWWW", consent=True), Session(None, None, False)):
            sheet = payslip(results, rates, Translations.load(lang), session=session, keep_days=3650,
                            db_name="brussels-exhibition-spring-2027-entrance-hall-kiosk-3.db")
            draw_sheet(surface, rect, sheet, text)
            render_png(sheet, text)  # the image "Save as PNG" writes
    assert text.overflows == []


def play_one_game(app, consent=True):
    start_game(app, consent=consent)
    draw_stroke(app, circle_points(app.scene.canvas.rect, 10))
    finish_round(app)
    settle(app)
    app.step(click(app.scene.payslip_button.rect.center), 1 / 60)
    assert app.scene.name == "payslip"


def test_the_scene_saves_the_slip_as_png_and_says_where(tmp_path):
    folder = tmp_path / "slips"
    app = make_app(rounds=1, seconds=0.5, payslip_dir=folder)
    try:
        play_one_game(app)
        scene = app.scene
        assert scene.status() == f"The PNG goes to {shown_path(folder)}"
        settle(app)
        app.step(click(scene.save_button.rect.center), 1 / 60)
        (saved,) = folder.iterdir()
        assert saved.name.startswith("payslip-") and saved.suffix == ".png"
        assert pygame.image.load(str(saved)).get_size() == PNG_SIZE
        assert scene.saved == saved and scene.status().startswith("Saved: ")
        assert scene.status().replace("\n", "").endswith(saved.name)
        scene.save()  # a second slip in the same second does not overwrite the first
        assert len(list(folder.iterdir())) == 2
        scene.draw(app.screen)
        assert app.text.overflows == []
        # Back, and forward again: the same scene, with its message.
        settle(app)
        app.step(click(scene.back_button.rect.center), 1 / 60)
        assert app.scene.name == "gameover"
        settle(app)
        app.step(click(app.scene.payslip_button.rect.center), 1 / 60)
        assert app.scene is scene
    finally:
        app.close()


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)])
def test_a_kiosk_slip_has_no_save_button_and_asks_for_a_photo(tmp_path, size):
    folder = tmp_path / "slips"
    app = make_app(rounds=1, seconds=0.5, payslip_dir=folder, kiosk=True, size=size)
    try:
        play_one_game(app)
        scene = app.scene
        assert scene.save_button not in scene.buttons
        assert scene.status() == "To keep your pay slip, take a photo of it."
        for lang in LANGUAGES:
            app.set_language(lang)
            scene.draw(app.screen)
        assert app.text.overflows == []
        settle(app)
        for x in range(0, size[0], 40):            # taps everywhere but on the way out
            for y in range(0, size[1], 40):
                if not any(button.rect.collidepoint(x, y) for button in scene.buttons):
                    app.step(click((x, y)), 1 / 60)
        assert app.scene is scene and not folder.exists()
    finally:
        app.close()


def test_a_slip_that_cannot_be_saved_says_why_and_the_game_goes_on(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app = make_app(rounds=1, seconds=0.5, payslip_dir=blocker / "slips")
    try:
        play_one_game(app)
        app.scene.save()
        assert app.scene.saved is None and app.scene.status().startswith("Could not save: ")
        app.scene.draw(app.screen)
        assert blocker.read_text() == "a file where the folder should be"
    finally:
        app.close()


def test_the_code_on_the_slip_erases_every_row_of_the_session(tmp_path, capsys):
    db = tmp_path / "forget.db"
    with Store(db) as store:
        other = store.start_session()
        store.save_drawing(other, "sun", INK, True, 10, 20, [(10, [("sun", 0.9)])])
        app = make_app(store=store, rounds=1, seconds=0.5)
        try:
            play_one_game(app)
            # the session's id is set when the writer thread commits its first round: wait for it
            assert app.rounds.flush(10)
            code, session_id = app.scene.sheet.code, app.game.session.id
            assert code == app.game.session.code and session_id is not None
        finally:
            app.close()
        assert store.totals(session_id)["drawings"] == 1 and store.guesses(next(store.drawings(session_id=session_id))["id"])
    assert data_cli(["forget", code, "--db", str(db)]) == 0
    assert "erased the session" in capsys.readouterr().out
    with Store(db) as store:
        rows = lambda sql: store.db.execute(sql, [session_id]).fetchone()[0]  # noqa: E731
        assert rows("SELECT count(*) FROM sessions WHERE id = ?") == 0
        assert rows("SELECT count(*) FROM drawings WHERE session_id = ?") == 0
        assert store.db.execute("SELECT count(*) FROM guesses WHERE drawing_id NOT IN "
                                "(SELECT id FROM drawings)").fetchone()[0] == 0
        assert store.totals()["drawings"] == 1 and store.totals(other)["drawings"] == 1  # the other player stays


def test_shown_paths_wrap_after_slashes_and_keep_their_root():
    assert shown_path(Path.cwd() / "data" / "payslips") == "data/payslips"
    long = shown_path(Path("/var/lib/pennydraw/exhibition-2026/payslips/payslip-20260501-140500.png"))
    assert long.split("\n") == ["/var/lib/pennydraw/", "exhibition-2026/payslips/", "payslip-20260501-140500.png"]
    assert long.replace("\n", "") == "/var/lib/pennydraw/exhibition-2026/payslips/payslip-20260501-140500.png"
