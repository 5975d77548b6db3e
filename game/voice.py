"""The machine's voice: guesses spoken through espeak-ng (via pyttsx3) and played by pygame.mixer.

Speech is made in a background thread: pyttsx3 writes each sentence to a WAV file in a temporary
folder (`save_to_file`), the file is loaded as a pygame Sound and played. The engine lives in that
thread only (pyttsx3 engines are not safe to share). Without pyttsx3, espeak or a sound card the game
runs silently after one log line; nothing here ever raises into the game.

`SpeechPacer` decides when a guess is worth saying: only when the top guess changed, the previous
sentence has finished and a minimum interval has passed, so the voice never chatters every frame.
"""
from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tempfile
import threading
from pathlib import Path

import pygame

log = logging.getLogger(__name__)


class SpeechPacer:
    """Says yes to a new sentence at a pace a person can follow."""

    def __init__(self, min_interval: float) -> None:
        self.min_interval = min_interval
        self.last_key = None
        self.last_time = float("-inf")

    def should_speak(self, key, now_s: float, busy: bool) -> bool:
        """True (and remembered) if `key` differs from the last spoken one and the voice is free."""
        if key == self.last_key or busy or now_s - self.last_time < self.min_interval:
            return False
        self.last_key, self.last_time = key, now_s
        return True

    def reset(self) -> None:
        self.last_key = None


def pick_voice_id(voices, language: str) -> str | None:
    """The espeak voice id for a language code ('fr-fr', 'nl', 'en-gb'): exact match first."""
    language = language.lower()
    base = language.split("-")[0]
    exact = [v.id for v in voices if language in [l.lower() for l in (v.languages or [])]]
    if exact:
        return exact[0]
    loose = [v.id for v in voices if any(l.lower().split("-")[0] == base for l in (v.languages or []))]
    return loose[0] if loose else None


class Voice:
    """Speaks sentences in the chosen language, or stays silent when it cannot."""

    def __init__(self, language: str = "en-gb", enabled: bool = True, rate: int = 160) -> None:
        self.language = language
        self.rate = rate
        self.enabled = enabled
        self.available = False             # True once the mixer and pyttsx3 are ready
        self._pyttsx3 = None
        self._wake = threading.Condition()
        self._pending: tuple[str, bool] | None = None
        self._synthesising = False
        self._closed = False
        self._channel: pygame.mixer.Channel | None = None
        self._thread: threading.Thread | None = None
        self._folder: Path | None = None
        self.spoken: list[str] = []        # every sentence handed to the mixer (tests read it)

    def start(self) -> bool:
        """Prepare the mixer and the speech engine; False (with one log line) if either is missing."""
        if not self.enabled:
            return False
        try:
            if not pygame.mixer.get_init():
                pygame.mixer.init()
        except pygame.error as error:
            log.warning("no audio device (%s): the game runs silently", error)
            return False
        try:
            import pyttsx3
        except Exception as error:  # ImportError, or a broken install raising anything else
            log.warning("no speech engine (pyttsx3: %s): the game runs silently", error)
            return False
        self._pyttsx3 = pyttsx3
        self._folder = Path(tempfile.mkdtemp(prefix="pennydraw-voice-"))
        self.available = True
        self._thread = threading.Thread(target=self._run, name="pennydraw-voice", daemon=True)
        self._thread.start()
        return True

    def set_language(self, language: str) -> None:
        with self._wake:
            self.language = language
            self._pending = None

    def say(self, text: str, interrupt: bool = False) -> None:
        """Speak `text` soon; `interrupt` cuts off what is playing (for verdicts)."""
        if not self.available:
            return
        with self._wake:
            self._pending = (text, interrupt)
            self._wake.notify()

    @property
    def busy(self) -> bool:
        """True while a sentence waits, is being synthesised, or is playing."""
        if not self.available:
            return False
        with self._wake:
            if self._pending is not None or self._synthesising:
                return True
            channel = self._channel
        try:
            return channel is not None and channel.get_busy()
        except pygame.error:
            return False

    def close(self, timeout: float = 2.0) -> None:
        """Stop the voice; wait up to `timeout` s for the worker, which removes its own WAV folder.

        The folder is never removed from here: a sentence being synthesised cannot be interrupted
        (espeak writes its WAV at the end), and the suite once aborted natively while this method
        deleted the folder beside a running worker. A worker still busy after `timeout` finishes
        its sentence, plays nothing more and cleans up as it exits.
        """
        with self._wake:
            self._closed = True
            self._wake.notify()
        self.available = False
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    # --- worker thread ------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._speak_until_closed()
        finally:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)

    def _speak_until_closed(self) -> None:
        try:
            engine = self._pyttsx3.init("espeak")
            engine.setProperty("rate", self.rate)
        except Exception as error:
            log.warning("speech engine failed to start (%s): the game runs silently", error)
            self.available = False
            return
        current_language = None
        count = 0
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                (text, interrupt), self._pending = self._pending, None
                language = self.language
                self._synthesising = True
            try:
                if language != current_language:
                    voice_id = pick_voice_id(engine.getProperty("voices"), language)
                    if voice_id is None:
                        log.warning("espeak has no %s voice; using its default", language)
                    else:
                        engine.setProperty("voice", voice_id)
                    current_language = language
                count += 1
                path = self._folder / f"say-{count % 4}.wav"
                # pyttsx3's espeak driver prints "Audio saved to ..." for every file: keep it off stdout.
                with contextlib.redirect_stdout(io.StringIO()):
                    engine.save_to_file(text, str(path))
                    engine.runAndWait()
                if self._closed:
                    return  # closed while synthesising: the mixer may already be shut down
                sound = pygame.mixer.Sound(str(path))
                if interrupt and self._channel is not None:
                    self._channel.stop()
                elif self._channel is not None:
                    # Let the previous sentence end instead of cutting into it...
                    while self._channel.get_busy() and not self._closed and self._pending is None:
                        pygame.time.wait(20)
                    if self._closed:
                        return
                    if self._pending is not None:
                        continue  # ...unless something newer is waiting: this one is stale.
                self._channel = sound.play()
                self.spoken.append(text)
            except Exception as error:
                log.warning("could not speak %r (%s)", text, error)
            finally:
                with self._wake:
                    self._synthesising = False
