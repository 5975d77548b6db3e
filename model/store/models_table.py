"""The store's models table: every trained model, its metrics, and which one is active.

`train.py --db` records the model it trained here, the kiosk records what it learned on site (and
swaps the active one), the game plays the active one at its next start, and "What you taught the
machine" plots them. A part of `Store` (its base class, kept apart so each file holds one concept):
it writes through `Store.transaction` and reads through `Store._reading`.
"""
from __future__ import annotations

import json
from pathlib import Path

from model.store.codec import utc_iso


class ModelsTable:
    """`Store`'s methods for the models table."""

    def record_model(self, version: str, path: str | Path, examples: int, metrics: dict,
                     player_examples: int = 0, trained_at=None, active: bool = True) -> None:
        """Record (or update) a trained model; ``active=True`` makes it the only active one."""
        if not isinstance(version, str) or not version:
            raise ValueError(f"version must be a non-empty string, got {version!r}")
        try:  # numpy numbers (an accuracy from torch or numpy) become plain ones
            metrics_text = json.dumps(metrics, sort_keys=True, default=lambda value: value.item())
        except (TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"metrics must be JSON data (dicts, lists, numbers, text): {error}") from None
        now = utc_iso()
        trained = utc_iso(trained_at) if trained_at is not None else None
        with self.transaction(f"record model {version}") as conn:
            if active:
                conn.execute("UPDATE models SET active = 0 WHERE active = 1 AND version != ?", (version,))
            conn.execute(
                "INSERT INTO models (version, path, trained_at, examples, player_examples, metrics, "
                "active, activated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(version) DO UPDATE SET "
                "path = excluded.path, trained_at = coalesce(?, trained_at), examples = excluded.examples, "
                "player_examples = excluded.player_examples, metrics = excluded.metrics, "
                "active = excluded.active, activated_at = coalesce(excluded.activated_at, activated_at)",
                (version, str(path), trained or now, int(examples), int(player_examples), metrics_text,
                 int(bool(active)), now if active else None, trained))

    def models(self) -> list[dict]:
        """Every recorded model, oldest first, ``metrics`` decoded and ``active`` a bool."""
        rows = self._reading("SELECT * FROM models ORDER BY trained_at, id")
        return [dict(row, metrics=json.loads(row["metrics"]), active=bool(row["active"])) for row in rows]

    def active_model(self) -> dict | None:
        return next((model for model in self.models() if model["active"]), None)
