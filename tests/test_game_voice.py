"""The voice: paced, in the right language, and silent (never crashing) without a speech engine."""
from __future__ import annotations

import builtins
import os
import shutil
import threading
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.voice import SpeechPacer, Voice, pick_voice_id  # noqa: E402


class FakeVoiceInfo:
    def __init__(self, id, languages):
        self.id, self.languages = id, languages


def test_pacer_speaks_only_new_top_guesses_when_free_and_not_too_often():
    pacer = SpeechPacer(min_interval=1.5)
    assert pacer.should_speak("sun", 0.0, busy=False)
    assert not pacer.should_speak("sun", 5.0, busy=False)      # same guess: never repeated
    assert not pacer.should_speak("cookie", 1.0, busy=False)   # too soon after the last one
    assert not pacer.should_speak("cookie", 2.0, busy=True)    # still talking
    assert pacer.should_speak("cookie", 2.0, busy=False)
    assert not pacer.should_speak("cat", 3.0, busy=False)
    pacer.reset()                                              # a cleared canvas: "sun" is news again
    assert pacer.should_speak("cookie", 3.6, busy=False)
    # Sixty frames a second for ten seconds with the guess flipping every frame: one sentence per
    # 1.5 s at most (10 / 1.5 + 1 = 7), not one per frame.
    pacer = SpeechPacer(min_interval=1.5)
    spoken = sum(pacer.should_speak(("sun", "cat")[frame % 2], frame / 60, busy=False) for frame in range(600))
    assert 6 <= spoken <= 7


def test_pick_voice_prefers_the_exact_language():
    voices = [FakeVoiceInfo("roa/fr-be", ["fr-be"]), FakeVoiceInfo("roa/fr", ["fr-fr"]),
              FakeVoiceInfo("gmw/nl", ["nl"]), FakeVoiceInfo("gmw/en", ["en-gb"])]
    assert pick_voice_id(voices, "fr-fr") == "roa/fr"
    assert pick_voice_id(voices, "fr-ca") == "roa/fr-be"
    assert pick_voice_id(voices, "nl") == "gmw/nl"
    assert pick_voice_id(voices, "de") is None


def test_muted_voice_does_nothing():
    voice = Voice(enabled=False)
    assert voice.start() is False
    voice.say("hello")
    assert not voice.busy and voice.spoken == []
    voice.close()


def test_without_pyttsx3_the_game_is_silent_with_one_log_line(monkeypatch, caplog):
    real_import = builtins.__import__

    def no_pyttsx3(name, *args, **kwargs):
        if name == "pyttsx3":
            raise ImportError("No module named 'pyttsx3'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyttsx3)
    voice = Voice()
    with caplog.at_level("WARNING"):
        assert voice.start() is False
    assert [r.getMessage() for r in caplog.records] == [
        "no speech engine (pyttsx3: No module named 'pyttsx3'): the game runs silently"]
    voice.say("I see a cat")
    assert not voice.busy
    voice.close()


def test_without_an_audio_device_the_game_is_silent(monkeypatch, caplog):
    def no_device():
        raise pygame.error("ALSA: Couldn't open audio device")

    monkeypatch.setattr(pygame.mixer, "get_init", lambda: None)
    monkeypatch.setattr(pygame.mixer, "init", no_device)
    voice = Voice()
    with caplog.at_level("WARNING"):
        assert voice.start() is False
    assert "no audio device" in caplog.text
    voice.say("I see a cat")
    voice.close()


def test_a_broken_speech_engine_is_logged_and_silenced(monkeypatch, caplog):
    import pyttsx3

    def broken(*args, **kwargs):
        raise RuntimeError("could not initialize espeak")

    monkeypatch.setattr(pyttsx3, "init", broken)
    voice = Voice()
    with caplog.at_level("WARNING"):
        voice.start()
        voice._thread.join(2.0)
    assert "speech engine failed to start" in caplog.text
    assert not voice.available
    voice.say("I see a cat")
    assert not voice.busy
    voice.close()


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_speech_through_espeak_and_the_dummy_sound_card():
    voice = Voice("fr-fr", rate=200)
    try:
        if not voice.start():
            pytest.skip("no mixer or pyttsx3 on this machine")
        voice.say("Je vois un chat.")
        deadline = time.monotonic() + 10
        while not voice.spoken and time.monotonic() < deadline:
            time.sleep(0.02)
        assert voice.spoken == ["Je vois un chat."]
        assert voice.busy  # the sentence is playing (about a second of audio)
        voice.say("Oh, je sais, c'est un chat\u00a0!", interrupt=True)
        while len(voice.spoken) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert voice.spoken[-1].startswith("Oh, je sais")
    finally:
        voice.close()
        pygame.mixer.quit()


class SlowEngine:
    """A pyttsx3 engine whose synthesis waits for the test, then writes a real (silent) WAV."""

    def __init__(self):
        self.synthesising = threading.Event()
        self.release = threading.Event()
        self.path = None

    def setProperty(self, name, value):
        pass

    def getProperty(self, name):
        return []

    def save_to_file(self, text, path):
        self.path = path

    def runAndWait(self):
        import wave
        self.synthesising.set()
        self.release.wait(10)
        with wave.open(self.path, "wb") as f:
            f.setnchannels(1), f.setsampwidth(2), f.setframerate(22050)
            f.writeframes(b"\0\0" * 2205)


def test_closing_while_a_sentence_is_synthesised_leaves_the_worker_its_folder(monkeypatch):
    import pyttsx3

    engine = SlowEngine()
    monkeypatch.setattr(pyttsx3, "init", lambda *args, **kwargs: engine)
    voice = Voice()
    try:
        if not voice.start():
            pytest.skip("no mixer on this machine")
        folder = voice._folder
        voice.say("I see a cat")
        assert engine.synthesising.wait(5)
        voice.close(timeout=0.1)                 # the worker is still inside espeak
        assert voice._thread.is_alive() and folder.is_dir()
        assert not voice.available and not voice.busy
        engine.release.set()                     # espeak finishes and writes into the folder
        voice._thread.join(5)
        assert not voice._thread.is_alive()
        assert not folder.exists()               # the worker cleaned up as it left
        assert voice.spoken == []                # and played nothing after close()
    finally:
        engine.release.set()
        pygame.mixer.quit()
