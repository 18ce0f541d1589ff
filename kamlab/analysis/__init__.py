"""Pure what-if models behind the curriculum's scenario panels (no widgets here).

Each scenario panel of the curriculum is a pure function in this package (tested on its own)
plus a thin ipywidgets view in :mod:`kamlab.ui` that draws its result.
"""
