"""Self-check exercises, one module per curriculum module (``m1.py`` … ``m8.py``)."""
