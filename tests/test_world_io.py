"""World save/load: round trip, dtypes kept, atomic replace, clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kamlab.data import SCHEMAS, World, conform, empty_frame


def _regions() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "region_id": ["R2", "R1"],
            "name_en": ["East", "North"],
            "name_cn": ["华东", "华北"],
            "population_m": [120.0, 100.0],
            "list_price_factor": [1.0, 1.0],
        }
    )
    return conform(df, "regions")


def test_schema_keys_are_columns() -> None:
    for name, sch in SCHEMAS.items():
        assert set(sch.key) <= set(sch.column_names), name
        assert len(set(sch.column_names)) == len(sch.column_names), name
        empty_frame(name)  # every declared dtype is constructible


def test_conform_sorts_by_key_and_casts() -> None:
    df = _regions()
    assert df.region_id.tolist() == ["R1", "R2"]
    assert str(df.region_id.dtype) == "string"


def test_round_trip_keeps_tables_dtypes_and_hashes(tmp_path: Path) -> None:
    w = World(public={"regions": _regions()}, truth={}, meta={"seed": 7})
    w.save(tmp_path / "w")
    back = World.load(tmp_path / "w")
    pd.testing.assert_frame_equal(back.regions, w.regions)
    assert back.meta["table_hashes"] == w.hashes()
    assert back.meta["seed"] == 7


def test_save_refuses_to_clobber_and_replaces_atomically(tmp_path: Path) -> None:
    w = World(public={"regions": _regions()})
    w.save(tmp_path / "w")
    with pytest.raises(FileExistsError):
        w.save(tmp_path / "w")
    w.save(tmp_path / "w", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]


def test_loading_a_non_world_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="kamlab data generate"):
        World.load(tmp_path)


def test_unknown_table_is_a_clear_error() -> None:
    w = World(public={"regions": _regions()})
    with pytest.raises(AttributeError, match="has no table 'sell_inn'"):
        _ = w.sell_inn
