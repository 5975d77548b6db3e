"""pennydraw's headless core: strokes, store, formats, generator, network, training, ledger. Never imports pygame."""
