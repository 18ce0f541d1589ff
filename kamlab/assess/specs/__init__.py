"""The assessment specs: one module per assessment, ``mN.py`` holding ``ASSESSMENT``.

:func:`kamlab.assess.registry.get_assessment` finds ``kamlab.assess.specs.m1`` for assignment
``M1``. How to write one: ``docs/ASSESSMENTS.md``. Specs run only outside the sandbox (a
trainee's code cannot import them while graded).
"""
