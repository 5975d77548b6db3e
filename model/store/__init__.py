"""The drawing store: SQLite (WAL) with every consented drawing, its guesses, sessions and models.

`store.py` is the `Store` itself (the public contract, `from model.store import Store`), with its
reads in `reading.py`, its erasure in `erasing.py` and its models table in `models_table.py`;
`opening.py` how files are opened (inputs read-only) and `StoreError`/`StoreBusy`; `staging.py` how
long imports and merges commit without keeping the write lock; `schema.py` its migrations and
erasure tombstones; `codec.py` how drawings, guesses and codes become rows; `merge.py` several
kiosks' stores into one. Importing
the package opens nothing.
"""
from model.store.schema import MIGRATIONS
from model.store.opening import StoreBusy, StoreError
from model.store.store import DEFAULT_DB_PATH, MEMORY, Session, Store

__all__ = ["DEFAULT_DB_PATH", "MEMORY", "MIGRATIONS", "Session", "Store", "StoreBusy", "StoreError"]
