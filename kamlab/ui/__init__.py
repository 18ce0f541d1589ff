"""ipywidgets views: one scenario panel per curriculum module, and shared chart helpers."""
