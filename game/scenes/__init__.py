"""The game's screens: title, prompt card, drawing round, game over, and "how the machine knows"."""
