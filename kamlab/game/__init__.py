"""The multi-round workshop game (a later issue)."""
