"""The framework as data: the shipped files match SPEC §5, and validation names the bad entry."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kamlab.data.framework import (
    FRAMEWORK_DIR,
    FrameworkError,
    capped_role_targets,
    evidenced_levels,
    export_framework,
    load_framework,
    max_evidenced_level,
)


def test_shipped_framework_matches_spec() -> None:
    fw = load_framework()
    assert fw.competency_ids == tuple(f"C{i}" for i in range(1, 11))
    assert len(fw.assessment_items) == 36
    assert fw.assessment_items["max_points"].sum() == 144
    # §5.3 row for KAM
    assert fw.targets("KAM").tolist() == [2, 3, 3, 3, 3, 2, 2, 2, 2, 1]
    assert fw.targets("KAD").tolist() == [3, 4, 4, 3, 3, 3, 3, 4, 4, 4]
    # §5.4 sample rows
    m = fw.item_competency_map.set_index(["item_id", "competency_id"])["weight"]
    assert m[("M8-T2", "C5")] == pytest.approx(0.3)
    assert m[("M1-T4", "C7")] == pytest.approx(0.3)
    item = fw.assessment_items.set_index("item_id").loc["M6-T4"]
    assert (item["level"], item["max_points"], item["item_type"]) == (4, 5.0, "CLASSIFICATION")
    assert fw.role_rank == {"KAE": 1, "KAM": 2, "RSM": 2, "SKAM": 3, "KAD": 4}


def test_evidence_matches_spec_5_4_coverage_statement() -> None:
    ev = evidenced_levels().set_index(["competency_id", "level"])
    # "C3 L4 = 2.0 evidence points, evidenced; C7 L4 = 1.8 and C1 L4 = 1.5, below the threshold"
    assert ev.loc[("C3", 4), "evidence_points"] == pytest.approx(2.0)
    assert bool(ev.loc[("C3", 4), "evidenced"])
    assert ev.loc[("C7", 4), "evidence_points"] == pytest.approx(1.8)
    assert ev.loc[("C1", 4), "evidence_points"] == pytest.approx(1.5)
    assert not ev.loc[("C7", 4), "evidenced"] and not ev.loc[("C1", 4), "evidenced"]
    # "Evidenced levels: C1 1–3, C2 2–4, C3 2–4, C4 1–4, C5 2–4, C6 1–4, C7 1–3, C8 2–4,
    #  C9 2–3, C10 1–3"
    spec = {
        "C1": [1, 2, 3], "C2": [2, 3, 4], "C3": [2, 3, 4], "C4": [1, 2, 3, 4],
        "C5": [2, 3, 4], "C6": [1, 2, 3, 4], "C7": [1, 2, 3], "C8": [2, 3, 4],
        "C9": [2, 3], "C10": [1, 2, 3],
    }  # fmt: skip
    got = evidenced_levels()
    got = got[got.evidenced].groupby("competency_id")["level"].apply(list).to_dict()
    assert got == spec
    top = max_evidenced_level()
    assert top["C9"] == 3 and top["C10"] == 3 and top["C2"] == 4


def test_only_kad_c9_c10_targets_are_capped() -> None:
    ct = capped_role_targets()
    capped = ct[ct.target_level != ct.target_capped]
    assert sorted(zip(capped.role_level, capped.competency_id, strict=True)) == [
        ("KAD", "C10"),
        ("KAD", "C9"),
    ]
    assert set(capped.target_capped) == {3}


def test_catalogue_carries_the_shipped_names() -> None:
    fw = load_framework()
    path = Path(__file__).resolve().parents[2] / "kamlab/i18n/messages/capability.json"
    cat = json.loads(path.read_text(encoding="utf-8"))
    for row in fw.competencies.itertuples():
        assert cat[f"competency_{row.competency_id}"] == {"en": row.name_en, "zh": row.name_cn}
    for row in fw.level_descriptors.itertuples():
        key = f"descriptor_{row.competency_id}_L{row.level}"
        assert cat[key] == {"en": row.descriptor_en, "zh": row.descriptor_cn}
    for row in fw.role_ladder.itertuples():
        assert cat[f"role_{row.role_level}"] == {"en": row.name_en, "zh": row.name_cn}


# -- validation ------------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return export_framework(tmp_path / "fw")


def _edit(folder: Path, name: str, fn) -> None:
    path = folder / name
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = fn(df)
    df.to_csv(path, index=False)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(FrameworkError) as exc:
        load_framework(folder)
    assert isinstance(exc.value, ValueError)
    return exc.value.problems


def test_unedited_copy_loads(copy: Path) -> None:
    fw = load_framework(copy)
    assert fw.source == str(copy)
    assert len(fw.item_competency_map) == 67


def test_weights_not_summing_to_one_name_the_item_and_the_sum(copy: Path) -> None:
    def fn(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[(df.item_id == "M1-T3") & (df.competency_id == "C1"), "weight"] = "0.3"
        return df

    _edit(copy, "item_competency_map.csv", fn)
    probs = _problems(copy)
    assert probs == ["item_competency_map.csv: the weights of item M1-T3 sum to 0.9, not 1."]


def test_every_problem_is_listed_and_names_the_entry(copy: Path) -> None:
    def imap(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[(df.item_id == "M2-T5"), "competency_id"] = "C11"
        return df

    def items(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[df.item_id == "M4-T4", "level"] = "5"
        df.loc[df.item_id == "M4-T6", "max_points"] = "0"
        df.loc[len(df)] = df.loc[0]  # duplicate M1-T1
        return df

    def targets(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[len(df)] = ["GM", "C1", "3"]
        return df

    _edit(copy, "item_competency_map.csv", imap)
    _edit(copy, "assessment_items.csv", items)
    _edit(copy, "role_targets.csv", targets)
    text = "\n".join(_problems(copy))
    assert "item_competency_map.csv line 19 (M2-T5 × C11): unknown competency 'C11'" in text
    assert "assessment_items.csv line 18 (M4-T4): level must be a level from 1 to 4, got 5." in text
    assert "max_points must be greater than 0, got 0" in text and "M4-T6" in text
    assert "assessment_items.csv: duplicate item_id M1-T1 (lines 2, 38)." in text
    assert "role_targets.csv line 52 (GM × C1): unknown role 'GM'" in text


def test_non_numbers_missing_files_and_columns(copy: Path, tmp_path: Path) -> None:
    _edit(
        copy,
        "role_targets.csv",
        lambda df: df.assign(target_level=df.target_level.where(df.index != 0, "three")),
    )
    probs = _problems(copy)
    assert probs == [
        "role_targets.csv line 2 (KAE × C1): target_level must be a number, got 'three'."
    ]
    (copy / "critical_positions.csv").unlink()
    assert _problems(copy) == ["critical_positions.csv: the file is missing."]
    export_framework(tmp_path / "fw2")
    _edit(tmp_path / "fw2", "competencies.csv", lambda df: df.drop(columns=["name_cn"]))
    assert _problems(tmp_path / "fw2") == ["competencies.csv: missing column(s) name_cn."]


def test_error_message_lists_problems_in_chinese_too(copy: Path) -> None:
    from kamlab import i18n

    _edit(
        copy,
        "item_competency_map.csv",
        lambda df: df.assign(weight=df.weight.where(df.index != 0, "0.5")),
    )
    i18n.set_language("zh", persist=False)
    try:
        with pytest.raises(FrameworkError, match=r"题目 M1-T1 的权重之和为 0\.7"):
            load_framework(copy)
    finally:
        i18n._state.clear()


def test_shipped_folder_is_the_default() -> None:
    assert load_framework().source == str(FRAMEWORK_DIR)
    a, b = load_framework(), load_framework()
    a.role_targets.loc[0, "target_level"] = 1
    assert b.role_targets.loc[0, "target_level"] == 3  # copies: a caller cannot corrupt the cache
