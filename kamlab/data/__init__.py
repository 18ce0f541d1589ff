"""Tables: one schema for every table, the :class:`World` container, validation and import.

>>> from kamlab.data import SCHEMAS, World
>>> "sell_in" in SCHEMAS
True
"""

from kamlab.data.schemas import (
    ASSESSMENT_TABLES,
    PUBLIC_TABLES,
    SCHEMAS,
    TRUTH_TABLES,
    Column,
    TableSchema,
    conform,
    empty_frame,
    schema,
)
from kamlab.data.world import World, load_world, table_hash

__all__ = [
    "ASSESSMENT_TABLES",
    "PUBLIC_TABLES",
    "SCHEMAS",
    "TRUTH_TABLES",
    "Column",
    "TableSchema",
    "World",
    "conform",
    "empty_frame",
    "load_world",
    "schema",
    "table_hash",
]
