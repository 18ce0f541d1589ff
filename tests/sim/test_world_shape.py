"""Every table of SPEC §1 comes out of simulate() with its schema, sorted by its key."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlab.data.schemas import ASSESSMENT_TABLES, PUBLIC_TABLES, SCHEMAS, TRUTH_TABLES
from kamlab.data.validate import validate_world
from kamlab.data.world import World


def _check_table(name: str, df: pd.DataFrame) -> None:
    sch = SCHEMAS[name]
    assert list(df.columns) == sch.column_names, name
    for col in sch.columns:
        want = col.pandas_dtype()
        got = df[col.name].dtype
        if col.dtype == "category":
            assert isinstance(got, pd.CategoricalDtype), (name, col.name)
            if col.categories is not None:
                assert list(got.categories) == list(col.categories), (name, col.name)
        else:
            assert str(got) == str(pd.Series([], dtype=want).dtype), (name, col.name, got)
    key = list(sch.key)
    assert not df.duplicated(key).any(), f"{name}: duplicate primary keys"
    resorted = df.sort_values(key, kind="mergesort").reset_index(drop=True)
    pd.testing.assert_frame_equal(df.reset_index(drop=True), resorted, obj=name)


@pytest.mark.parametrize("fixture", ["small_world", "default_world"])
def test_every_table_has_its_schema_and_key_order(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    world: World = request.getfixturevalue(fixture)
    assert set(world.public) == set(PUBLIC_TABLES) | set(ASSESSMENT_TABLES)
    assert set(world.truth) == set(TRUTH_TABLES)
    for name, df in {**world.public, **world.truth}.items():
        assert len(df) > 0, name
        _check_table(name, df)


@pytest.mark.parametrize(
    "fixture", ["small_world", "small_clean", "default_world", "default_clean"]
)
def test_worlds_validate_clean(fixture: str, request: pytest.FixtureRequest) -> None:
    world: World = request.getfixturevalue(fixture)
    assert validate_world(world) == []


def test_default_sizes_match_the_spec(default_world: World) -> None:
    """SPEC §1 / §3.13 row counts of the default preset (approximate ones within a range)."""
    w = default_world
    assert len(w.calendar) == 104
    assert len(w.regions) == 5
    assert (w.accounts.account_type == "KA").sum() == 12
    assert (w.accounts.account_type == "DISTRIBUTOR").sum() == 6
    assert len(w.products) == 40
    assert 2_800 <= (w.stores.format.isin(["HYPER", "SUPER", "CVS"])).sum() <= 3_200
    assert 60_000 <= len(w.sell_out) <= 75_000
    assert 50_000 <= len(w.order_lines) <= 70_000
    assert 900 <= len(w.promotions) <= 1_900  # incl. trade deals and the next 13 weeks
    assert 9_000 <= len(w.audit_visits) <= 11_000
    assert 130_000 <= len(w.audit_sku) <= 170_000
    assert len(w.kam) >= 19


def test_meta_records_config_seed_and_versions(small_world: World) -> None:
    import numpy as np

    meta = small_world.meta
    assert meta["seed"] == 11
    assert meta["config"]["preset"] == "small"
    assert meta["versions"]["numpy"] == np.__version__
    for k in ("kamlab", "pandas", "pyarrow"):
        assert meta["versions"][k]
