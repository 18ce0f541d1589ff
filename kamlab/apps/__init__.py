"""Voila app builders (functions returning a widget tree) used by ../apps/*.ipynb."""
