"""The KA capability framework as editable data files (SPEC §5.1–5.4).

The framework — ten competencies, four proficiency levels with a descriptor per competency and
level, the role ladder, role target profiles, the assessment item bank, the item → competency
weights and the rules that make a position critical — ships as small CSV files in
``kamlab/data/framework/``. A company adapts it by copying the folder
(:func:`export_framework`), editing the copy in Excel or a text editor, and loading it with
``load_framework(path)``. Every load is validated; :class:`FrameworkError` lists *every* problem
and names the bad entry (file, line, id).

Files (all UTF-8 CSV with a header row)::

    competencies.csv        competency_id, name_en, name_cn, source_modules (M1|M4), external_anchor
    proficiency_levels.csv  level (1–4), name_en, name_cn, description_en, description_cn
    level_descriptors.csv   competency_id, level, descriptor_en, descriptor_cn
    role_ladder.csv         role_level, rank, name_en, name_cn, note_en
    role_targets.csv        role_level, competency_id, target_level (1–4)          [table role_targets]
    assessment_items.csv    item_id, module, assignment, notebook, max_points, level, item_type
                                                                            [table assessment_items]
    item_competency_map.csv item_id, competency_id, weight (sum 1 per item)  [table item_competency_map]
    critical_positions.csv  rule_id, rule_type (ACCOUNT_TIER | ROLE), value, description_en, description_cn

The role ladder orders roles by ``rank``; succession candidates for a position come from the
same rank or one rank lower (SPEC §5.5 "same or one lower role"). The shipped ladder is
KAE (1) < KAM (2) < SKAM (3) < KAD (4), with RSM (regional sales manager, distributor channel)
at rank 2, parallel to KAM: RSM and KAM positions draw on each other and on KAE, and SKAM
positions draw on SKAM, KAM and RSM.

Evidence (SPEC §5.4): an item ``i`` of level ``ℓ_i`` with ``m_i`` points and weight ``w_ic``
contributes ``w_ic × m_i`` evidence points to competency ``c`` at level ``ℓ_i``; a level is
evidenced when ``E_{ℓ,c} = Σ_{i: ℓ_i = ℓ} w_ic m_i ≥ 2``.

>>> fw = load_framework()
>>> fw.competency_ids[:3]
('C1', 'C2', 'C3')
>>> int(max_evidenced_level(fw)["C9"]), int(max_evidenced_level(fw)["C4"])
(3, 4)
>>> ev = evidenced_levels(fw)
>>> ev[(ev.competency_id == "C3") & (ev.level == 4)][["evidence_points", "evidenced"]].values.tolist()
[[2.0, True]]
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.data.schemas import ITEM_TYPES, Column, TableSchema, conform
from kamlab.i18n import get_language, t

__all__ = [
    "FRAMEWORK_DIR",
    "FRAMEWORK_FILES",
    "MIN_EVIDENCE",
    "RULE_TYPES",
    "Framework",
    "FrameworkError",
    "capped_role_targets",
    "evidenced_levels",
    "export_framework",
    "load_framework",
    "max_evidenced_level",
]

#: The folder of the shipped framework files.
FRAMEWORK_DIR = Path(__file__).resolve().parent / "framework"

#: Evidence points a level needs to count as evidenced (SPEC §5.5.2: one 2-point item at full weight).
MIN_EVIDENCE = 2.0

#: Kinds of critical-position rule: owners of accounts of a tier, or holders of a role.
RULE_TYPES = ("ACCOUNT_TIER", "ROLE")

_EPS = 1e-9  # floating-point guard for threshold comparisons (SPEC §0.2)
_WEIGHT_TOL = 1e-6  # weights of an item must sum to 1 within this tolerance


def _col(name: str, dtype: str, description: str = "", **kw: object) -> Column:
    return Column(name=name, dtype=dtype, description=description, **kw)  # type: ignore[arg-type]


# Files that are not tables of a world have their columns declared here (same Column type as
# kamlab.data.schemas); the three assessment tables are conformed to kamlab.data.schemas.
_LOCAL_SCHEMAS: dict[str, TableSchema] = {
    "competencies": TableSchema(
        name="competencies",
        layer="assessment",
        grain="one row per competency",
        description="The competencies of the framework (SPEC §5.1).",
        columns=(
            _col("competency_id", "string"),
            _col("name_en", "string"),
            _col("name_cn", "string"),
            _col("source_modules", "string", "pipe-separated curriculum modules, e.g. M1|M4"),
            _col("external_anchor", "string"),
        ),
        key=("competency_id",),
        spec="5.1",
    ),
    "proficiency_levels": TableSchema(
        name="proficiency_levels",
        layer="assessment",
        grain="one row per proficiency level",
        description="The generic proficiency levels 1–4 (SPEC §5.2).",
        columns=(
            _col("level", "int8"),
            _col("name_en", "string"),
            _col("name_cn", "string"),
            _col("description_en", "string"),
            _col("description_cn", "string"),
        ),
        key=("level",),
        spec="5.2",
    ),
    "level_descriptors": TableSchema(
        name="level_descriptors",
        layer="assessment",
        grain="one row per competency × level",
        description="What each level looks like in each competency (SPEC §5.2).",
        columns=(
            _col("competency_id", "string"),
            _col("level", "int8"),
            _col("descriptor_en", "string"),
            _col("descriptor_cn", "string"),
        ),
        key=("competency_id", "level"),
        spec="5.2",
    ),
    "role_ladder": TableSchema(
        name="role_ladder",
        layer="assessment",
        grain="one row per role",
        description="Roles and their rank on the career ladder (bench: same or one lower rank).",
        columns=(
            _col("role_level", "string"),
            _col("rank", "int8"),
            _col("name_en", "string"),
            _col("name_cn", "string"),
            _col("note_en", "string"),
        ),
        key=("role_level",),
        spec="5.5",
    ),
    "critical_positions": TableSchema(
        name="critical_positions",
        layer="assessment",
        grain="one row per rule",
        description="Which positions are critical for succession planning (SPEC §5.5).",
        columns=(
            _col("rule_id", "string"),
            _col("rule_type", "string", "ACCOUNT_TIER or ROLE"),
            _col("value", "string", "the tier (A) or the role (KAD)"),
            _col("description_en", "string"),
            _col("description_cn", "string"),
        ),
        key=("rule_id",),
        spec="5.5",
    ),
}

#: Framework part → file name; every file is required in a company's copy too.
FRAMEWORK_FILES: dict[str, str] = {
    "competencies": "competencies.csv",
    "proficiency_levels": "proficiency_levels.csv",
    "level_descriptors": "level_descriptors.csv",
    "role_ladder": "role_ladder.csv",
    "role_targets": "role_targets.csv",
    "assessment_items": "assessment_items.csv",
    "item_competency_map": "item_competency_map.csv",
    "critical_positions": "critical_positions.csv",
}

_REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "competencies": ("competency_id", "name_en", "name_cn"),
    "proficiency_levels": ("level", "name_en", "name_cn"),
    "level_descriptors": ("competency_id", "level", "descriptor_en"),
    "role_ladder": ("role_level", "rank"),
    "role_targets": ("role_level", "competency_id", "target_level"),
    "assessment_items": ("item_id", "module", "assignment", "max_points", "level", "item_type"),
    "item_competency_map": ("item_id", "competency_id", "weight"),
    "critical_positions": ("rule_id", "rule_type", "value"),
}

_LEVELS = (1, 2, 3, 4)


class FrameworkError(ValueError):
    """A framework folder has problems; ``problems`` lists each one, naming the bad entry."""

    def __init__(self, problems: list[str], source: str) -> None:
        self.problems = list(problems)
        self.source = source
        head = t("capability.err_framework_header", source=source, n=len(self.problems))
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


@dataclass(frozen=True, eq=False)
class Framework:
    """The capability framework: one DataFrame per file (see the module docstring).

    ``assessment_items``, ``item_competency_map`` and ``role_targets`` are conformed to their
    tables in :mod:`kamlab.data.schemas`; ``competencies`` keeps the file's order (C1 … C10),
    which is the display order everywhere. ``source`` is the folder it was read from.
    """

    competencies: pd.DataFrame
    proficiency_levels: pd.DataFrame
    level_descriptors: pd.DataFrame
    role_ladder: pd.DataFrame
    role_targets: pd.DataFrame
    assessment_items: pd.DataFrame
    item_competency_map: pd.DataFrame
    critical_positions: pd.DataFrame
    source: str = ""

    # -- convenience ------------------------------------------------------------------------
    @property
    def competency_ids(self) -> tuple[str, ...]:
        """Competency ids in display order (the order of ``competencies.csv``)."""
        return tuple(self.competencies["competency_id"].tolist())

    @property
    def roles(self) -> tuple[str, ...]:
        """Role ids from the lowest to the highest rank (file order within a rank)."""
        lad = self.role_ladder.sort_values("rank", kind="mergesort")
        return tuple(lad["role_level"].tolist())

    @property
    def role_rank(self) -> dict[str, int]:
        """Role id → rank on the ladder (RSM shares KAM's rank in the shipped ladder)."""
        return dict(
            zip(self.role_ladder["role_level"], self.role_ladder["rank"].astype(int), strict=True)
        )

    def _lang(self, lang: str | None) -> str:
        return lang or get_language()

    def competency_name(self, competency_id: str, lang: str | None = None) -> str:
        """The competency's name in ``lang`` (``"en"``/``"zh"``; default: current language)."""
        row = self.competencies.loc[self.competencies["competency_id"] == competency_id]
        if row.empty:
            raise ValueError(
                f"competency_id {competency_id!r} is not in the framework; "
                f"it has {', '.join(self.competency_ids)}."
            )
        col = "name_cn" if self._lang(lang) == "zh" else "name_en"
        value = row.iloc[0][col]
        return str(value) if pd.notna(value) and value != "" else str(row.iloc[0]["name_en"])

    def level_name(self, level: int, lang: str | None = None) -> str:
        """The generic name of proficiency ``level`` (1 Foundation … 4 Expert/Coach)."""
        row = self.proficiency_levels.loc[self.proficiency_levels["level"] == int(level)]
        if row.empty:
            raise ValueError(f"level must be 1–4; got {level!r}.")
        col = "name_cn" if self._lang(lang) == "zh" else "name_en"
        return str(row.iloc[0][col])

    def descriptor(self, competency_id: str, level: int, lang: str | None = None) -> str:
        """What ``level`` looks like in ``competency_id`` (SPEC §5.2 table)."""
        d = self.level_descriptors
        row = d.loc[(d["competency_id"] == competency_id) & (d["level"] == int(level))]
        if row.empty:
            raise ValueError(
                f"no descriptor for competency {competency_id!r} at level {level!r} "
                "(levels are 1–4; check the competency id)."
            )
        col = "descriptor_cn" if self._lang(lang) == "zh" else "descriptor_en"
        value = row.iloc[0][col]
        return str(value) if pd.notna(value) and value != "" else str(row.iloc[0]["descriptor_en"])

    def role_name(self, role_level: str, lang: str | None = None) -> str:
        """The role's display name (``KAM`` → "Key Account Manager" / "重点客户经理")."""
        row = self.role_ladder.loc[self.role_ladder["role_level"] == role_level]
        if row.empty:
            raise ValueError(
                f"role_level {role_level!r} is not on the framework's role ladder "
                f"({', '.join(self.roles)})."
            )
        col = "name_cn" if self._lang(lang) == "zh" else "name_en"
        value = row.iloc[0][col]
        return str(value) if pd.notna(value) and value != "" else str(role_level)

    def targets(self, role_level: str) -> pd.Series:
        """Target level per competency for ``role_level`` (uncapped), in display order."""
        rt = self.role_targets.loc[self.role_targets["role_level"] == role_level]
        if rt.empty:
            raise ValueError(
                f"role_level {role_level!r} has no targets; roles with targets: "
                f"{', '.join(sorted(self.role_targets['role_level'].unique()))}."
            )
        s = rt.set_index("competency_id")["target_level"].astype(int)
        return s.reindex(list(self.competency_ids))

    def copy(self) -> Framework:
        """A deep copy (the DataFrames are copied)."""
        return dataclasses.replace(
            self,
            **{
                f.name: getattr(self, f.name).copy()
                for f in dataclasses.fields(self)
                if isinstance(getattr(self, f.name), pd.DataFrame)
            },
        )


# ---------------------------------------------------------------------------------------------
# Loading and validation


class _Problems:
    """Collects readable problem lines."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, **values: object) -> None:
        self.items.append(t(f"capability.{key}", **values))


def _read_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
    )
    df.columns = [str(c).strip() for c in df.columns]
    for c in df.columns:
        df[c] = df[c].str.strip()
    # drop blank lines that spreadsheets leave behind
    return df.loc[~(df == "").all(axis=1)].reset_index(drop=True)


def _line(i: int) -> int:
    """CSV line number of data row ``i`` (line 1 is the header)."""
    return int(i) + 2


def _numbers(
    df: pd.DataFrame,
    file: str,
    column: str,
    probs: _Problems,
    ident: Callable[[int], str],
    *,
    integer: bool = False,
) -> pd.Series:
    """Parse ``column`` as numbers; every unparseable cell becomes a named problem."""
    raw = df[column]
    num = pd.to_numeric(raw, errors="coerce")
    for i in np.flatnonzero(num.isna().to_numpy()):
        probs.add(
            "err_not_number",
            file=file,
            line=_line(i),
            entry=ident(i),
            column=column,
            value=raw.iloc[i],
        )
    if integer:
        ok = num.notna()
        frac = ok & (num.where(ok, 0) % 1 != 0)
        for i in np.flatnonzero(frac.to_numpy()):
            probs.add(
                "err_not_integer",
                file=file,
                line=_line(i),
                entry=ident(i),
                column=column,
                value=raw.iloc[i],
            )
            num.iloc[i] = np.nan
    return num


def _duplicates(
    df: pd.DataFrame, file: str, key: list[str], probs: _Problems, what: str
) -> pd.Series:
    dup = df.duplicated(key, keep=False)
    for _, grp in df.loc[dup].groupby(key, sort=True):
        lines = ", ".join(str(_line(i)) for i in grp.index)
        probs.add(
            "err_duplicate",
            file=file,
            what=what,
            entry=" / ".join(str(v) for v in grp.iloc[0][key]),
            lines=lines,
        )
    return ~df.duplicated(key, keep="first")


def _levels_in_range(
    num: pd.Series, file: str, column: str, probs: _Problems, ident: Callable[[int], str]
) -> pd.Series:
    bad = num.notna() & ~num.isin(_LEVELS)
    for i in np.flatnonzero(bad.to_numpy()):
        probs.add(
            "err_level_range",
            file=file,
            line=_line(i),
            entry=ident(i),
            column=column,
            value=f"{num.iloc[i]:g}",
        )
    return num.notna() & ~bad


def _cast_local(df: pd.DataFrame, name: str) -> pd.DataFrame:
    sch = _LOCAL_SCHEMAS[name]
    out = {}
    for col in sch.columns:
        s = df[col.name] if col.name in df.columns else pd.Series([""] * len(df), index=df.index)
        out[col.name] = s.astype(col.pandas_dtype())
    return pd.DataFrame(out).reset_index(drop=True)


def _validate(raw: dict[str, pd.DataFrame], source: str) -> Framework:
    """Check every file and the links between them; raise FrameworkError listing all problems."""
    probs = _Problems()
    # -- columns ------------------------------------------------------------------------------
    ok_cols = {}
    for part, df in raw.items():
        missing = [c for c in _REQUIRED_COLUMNS[part] if c not in df.columns]
        if missing:
            probs.add("err_missing_columns", file=FRAMEWORK_FILES[part], columns=", ".join(missing))
        ok_cols[part] = not missing
    if not all(ok_cols.values()):
        raise FrameworkError(probs.items, source)

    for part, df in raw.items():  # empty required cells
        file = FRAMEWORK_FILES[part]
        for col in _REQUIRED_COLUMNS[part]:
            for i in np.flatnonzero((df[col] == "").to_numpy()):
                probs.add("err_empty_value", file=file, line=_line(i), column=col)

    # -- competencies -------------------------------------------------------------------------
    comp = raw["competencies"]
    f = FRAMEWORK_FILES["competencies"]
    _duplicates(comp, f, ["competency_id"], probs, "competency_id")
    comp_ids = [c for c in dict.fromkeys(comp["competency_id"]) if c]
    known_comp = set(comp_ids)

    # -- proficiency levels ---------------------------------------------------------------------
    lev = raw["proficiency_levels"].copy()
    f = FRAMEWORK_FILES["proficiency_levels"]
    lvl = _numbers(lev, f, "level", probs, lambda i: f"level {lev['level'].iloc[i]}", integer=True)
    _levels_in_range(lvl, f, "level", probs, lambda i: f"level {lev['level'].iloc[i]}")
    _duplicates(lev, f, ["level"], probs, "level")
    for level in _LEVELS:
        if level not in set(lvl.dropna().astype(int)):
            probs.add("err_missing_level", file=f, level=level)
    lev["level"] = lvl

    # -- level descriptors --------------------------------------------------------------------
    desc = raw["level_descriptors"].copy()
    f = FRAMEWORK_FILES["level_descriptors"]

    def _desc_id(i: int) -> str:
        return f"{desc['competency_id'].iloc[i]} L{desc['level'].iloc[i]}"

    dl = _numbers(desc, f, "level", probs, _desc_id, integer=True)
    _levels_in_range(dl, f, "level", probs, _desc_id)
    _duplicates(desc, f, ["competency_id", "level"], probs, "competency_id × level")
    for i in np.flatnonzero(~desc["competency_id"].isin(known_comp).to_numpy()):
        if desc["competency_id"].iloc[i]:
            probs.add(
                "err_unknown_competency",
                file=f,
                line=_line(i),
                entry=_desc_id(i),
                competency=desc["competency_id"].iloc[i],
                known=", ".join(comp_ids),
            )
    have = set(zip(desc["competency_id"], dl, strict=True))
    for c in comp_ids:
        missing = [str(level) for level in _LEVELS if (c, float(level)) not in have]
        if missing:
            probs.add("err_missing_descriptor", file=f, competency=c, levels=", ".join(missing))
    desc["level"] = dl

    # -- role ladder --------------------------------------------------------------------------
    lad = raw["role_ladder"].copy()
    f = FRAMEWORK_FILES["role_ladder"]
    rank = _numbers(lad, f, "rank", probs, lambda i: lad["role_level"].iloc[i], integer=True)
    for i in np.flatnonzero((rank.notna() & (rank < 1)).to_numpy()):
        probs.add("err_rank", file=f, line=_line(i), entry=lad["role_level"].iloc[i])
    _duplicates(lad, f, ["role_level"], probs, "role_level")
    known_roles = [r for r in dict.fromkeys(lad["role_level"]) if r]
    lad["rank"] = rank

    # -- role targets -------------------------------------------------------------------------
    rt = raw["role_targets"].copy()
    f = FRAMEWORK_FILES["role_targets"]

    def _rt_id(i: int) -> str:
        return f"{rt['role_level'].iloc[i]} × {rt['competency_id'].iloc[i]}"

    tl = _numbers(rt, f, "target_level", probs, _rt_id, integer=True)
    _levels_in_range(tl, f, "target_level", probs, _rt_id)
    _duplicates(rt, f, ["role_level", "competency_id"], probs, "role_level × competency_id")
    for i in np.flatnonzero(~rt["role_level"].isin(known_roles).to_numpy()):
        if rt["role_level"].iloc[i]:
            probs.add(
                "err_unknown_role",
                file=f,
                line=_line(i),
                entry=_rt_id(i),
                role=rt["role_level"].iloc[i],
                known=", ".join(known_roles),
            )
    for i in np.flatnonzero(~rt["competency_id"].isin(known_comp).to_numpy()):
        if rt["competency_id"].iloc[i]:
            probs.add(
                "err_unknown_competency",
                file=f,
                line=_line(i),
                entry=_rt_id(i),
                competency=rt["competency_id"].iloc[i],
                known=", ".join(comp_ids),
            )
    have_rt = set(zip(rt["role_level"], rt["competency_id"], strict=True))
    for r in known_roles:
        missing = [c for c in comp_ids if (r, c) not in have_rt]
        if missing:
            probs.add("err_missing_target", file=f, role=r, competencies=", ".join(missing))
    rt["target_level"] = tl

    # -- assessment items ---------------------------------------------------------------------
    items = raw["assessment_items"].copy()
    f = FRAMEWORK_FILES["assessment_items"]

    def _item_id(i: int) -> str:
        return str(items["item_id"].iloc[i])

    mp = _numbers(items, f, "max_points", probs, _item_id)
    for i in np.flatnonzero((mp.notna() & (mp <= 0)).to_numpy()):
        probs.add(
            "err_max_points", file=f, line=_line(i), entry=_item_id(i), value=f"{mp.iloc[i]:g}"
        )
    il = _numbers(items, f, "level", probs, _item_id, integer=True)
    _levels_in_range(il, f, "level", probs, _item_id)
    _duplicates(items, f, ["item_id"], probs, "item_id")
    for i in np.flatnonzero(~items["item_type"].isin(ITEM_TYPES).to_numpy()):
        if items["item_type"].iloc[i]:
            probs.add(
                "err_item_type",
                file=f,
                line=_line(i),
                entry=_item_id(i),
                value=items["item_type"].iloc[i],
                known=", ".join(ITEM_TYPES),
            )
    if "notebook" not in items.columns:
        items["notebook"] = items["assignment"]
    items["max_points"] = mp
    items["level"] = il
    known_items = set(items["item_id"])

    # -- item → competency map ----------------------------------------------------------------
    imap = raw["item_competency_map"].copy()
    f = FRAMEWORK_FILES["item_competency_map"]

    def _map_id(i: int) -> str:
        return f"{imap['item_id'].iloc[i]} × {imap['competency_id'].iloc[i]}"

    w = _numbers(imap, f, "weight", probs, _map_id)
    for i in np.flatnonzero((w.notna() & ((w <= 0) | (w > 1 + _WEIGHT_TOL))).to_numpy()):
        probs.add(
            "err_weight_range",
            file=f,
            line=_line(i),
            entry=_map_id(i),
            value=imap["weight"].iloc[i],
        )
    _duplicates(imap, f, ["item_id", "competency_id"], probs, "item_id × competency_id")
    for i in np.flatnonzero(~imap["competency_id"].isin(known_comp).to_numpy()):
        if imap["competency_id"].iloc[i]:
            probs.add(
                "err_unknown_competency",
                file=f,
                line=_line(i),
                entry=_map_id(i),
                competency=imap["competency_id"].iloc[i],
                known=", ".join(comp_ids),
            )
    for i in np.flatnonzero(~imap["item_id"].isin(known_items).to_numpy()):
        if imap["item_id"].iloc[i]:
            probs.add("err_unknown_item", file=f, line=_line(i), entry=imap["item_id"].iloc[i])
    imap["weight"] = w
    sums = imap.loc[w.notna()].groupby("item_id", sort=False)["weight"].sum()
    for item_id, total in sums.items():
        if abs(total - 1.0) > _WEIGHT_TOL and item_id in known_items:
            probs.add("err_weights_sum", file=f, entry=item_id, total=f"{total:.6g}")
    mapped = set(imap["item_id"])
    for item_id in items["item_id"]:
        if item_id and item_id not in mapped:
            probs.add("err_item_without_map", file=f, entry=item_id)

    # -- critical-position rules --------------------------------------------------------------
    cp = raw["critical_positions"].copy()
    f = FRAMEWORK_FILES["critical_positions"]
    _duplicates(cp, f, ["rule_id"], probs, "rule_id")
    for i in range(len(cp)):
        rtype, value = cp["rule_type"].iloc[i], cp["value"].iloc[i]
        if rtype not in RULE_TYPES:
            probs.add(
                "err_rule_type",
                file=f,
                line=_line(i),
                entry=cp["rule_id"].iloc[i],
                value=rtype,
                known=", ".join(RULE_TYPES),
            )
        elif rtype == "ROLE" and value not in known_roles:
            probs.add(
                "err_unknown_role",
                file=f,
                line=_line(i),
                entry=cp["rule_id"].iloc[i],
                role=value,
                known=", ".join(known_roles),
            )

    if probs.items:
        raise FrameworkError(probs.items, source)

    # -- cast ---------------------------------------------------------------------------------
    comp_df = _cast_local(comp, "competencies")
    lev_df = _cast_local(lev, "proficiency_levels").sort_values("level").reset_index(drop=True)
    desc_df = _cast_local(desc, "level_descriptors")
    order = {c: k for k, c in enumerate(comp_ids)}
    desc_df = desc_df.sort_values(
        ["competency_id", "level"], key=lambda s: s.map(order) if s.name == "competency_id" else s
    ).reset_index(drop=True)
    lad_df = _cast_local(lad, "role_ladder")
    lad_df = lad_df.sort_values("rank", kind="mergesort").reset_index(drop=True)
    cp_df = _cast_local(cp, "critical_positions")
    return Framework(
        competencies=comp_df,
        proficiency_levels=lev_df,
        level_descriptors=desc_df,
        role_ladder=lad_df,
        role_targets=conform(rt, "role_targets"),
        assessment_items=conform(items, "assessment_items"),
        item_competency_map=conform(imap, "item_competency_map"),
        critical_positions=cp_df,
        source=source,
    )


def _load(folder: Path) -> Framework:
    if not folder.is_dir():
        raise FrameworkError([t("capability.err_no_folder", path=str(folder))], str(folder))
    probs = _Problems()
    raw: dict[str, pd.DataFrame] = {}
    for part, name in FRAMEWORK_FILES.items():
        path = folder / name
        if not path.is_file():
            probs.add("err_missing_file", file=name)
            continue
        try:
            raw[part] = _read_csv(path)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            probs.add("err_unreadable", file=name, error=str(exc).strip())
    if probs.items:
        raise FrameworkError(probs.items, str(folder))
    return _validate(raw, str(folder))


@cache
def _shipped() -> Framework:
    return _load(FRAMEWORK_DIR)


def load_framework(path: str | Path | None = None) -> Framework:
    """Load and validate the capability framework.

    ``path=None`` gives the shipped framework (SPEC §5; cached, a fresh copy each call); a folder
    gives a company's edited copy of the same files (see :func:`export_framework`). Raises
    :class:`FrameworkError` (a ``ValueError``) listing every problem, each naming the file, line
    and entry: unknown competencies or items in the map, weights of an item not summing to 1 (with
    the item and the sum), levels outside 1–4, targets for unknown roles, duplicate ids,
    ``max_points ≤ 0``, missing files, columns, descriptors or targets.

    >>> fw = load_framework()
    >>> len(fw.assessment_items), len(fw.competencies), fw.roles
    (36, 10, ('KAE', 'KAM', 'RSM', 'SKAM', 'KAD'))
    """
    if path is None:
        return _shipped().copy()
    return _load(Path(path))


def export_framework(dest: str | Path, *, overwrite: bool = False) -> Path:
    """Copy the shipped framework files into folder ``dest`` for a company to edit.

    Load the edited copy with ``load_framework(dest)``.
    """
    out = Path(dest)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(
            f"dest {out} is not empty; pass overwrite=True to replace the framework files in it"
        )
    out.mkdir(parents=True, exist_ok=True)
    for name in FRAMEWORK_FILES.values():
        shutil.copyfile(FRAMEWORK_DIR / name, out / name)
    return out


# ---------------------------------------------------------------------------------------------
# Evidence of the item bank (SPEC §5.4)


def evidenced_levels(
    framework: Framework | None = None, min_evidence: float = MIN_EVIDENCE
) -> pd.DataFrame:
    """Evidence points the item bank offers per competency × level (SPEC §5.4).

    ``E_{ℓ,c} = Σ_{i: ℓ_i = ℓ} w_ic × m_i`` (points); ``evidenced = E ≥ min_evidence`` (2 by
    default, with a 1e-9 floating-point guard). One row per competency (display order) × level
    1–4, columns ``competency_id, level, evidence_points, evidenced``.

    >>> ev = evidenced_levels()
    >>> ev[ev.competency_id == "C7"].evidence_points.round(2).tolist()
    [2.1, 2.7, 2.0, 1.8]
    >>> ev[ev.competency_id == "C7"].evidenced.tolist()
    [True, True, True, False]
    """
    fw = framework if framework is not None else load_framework()
    m = fw.item_competency_map.merge(
        fw.assessment_items[["item_id", "max_points", "level"]], on="item_id", how="inner"
    )
    m["evidence_points"] = m["weight"] * m["max_points"]
    e = m.groupby(["competency_id", "level"], observed=True)["evidence_points"].sum()
    idx = pd.MultiIndex.from_product(
        [list(fw.competency_ids), list(_LEVELS)], names=["competency_id", "level"]
    )
    e = e.reindex(idx, fill_value=0.0)
    out = e.reset_index()
    out["level"] = out["level"].astype("int8")
    out["evidence_points"] = out["evidence_points"].astype("float64")
    out["evidenced"] = out["evidence_points"] >= min_evidence - _EPS
    return out


def max_evidenced_level(
    framework: Framework | None = None, min_evidence: float = MIN_EVIDENCE
) -> pd.Series:
    """Highest level the item bank evidences per competency (``Int8``; ``<NA>`` if none).

    Targets above it are capped (SPEC §5.5.4).

    >>> max_evidenced_level().tolist()
    [3, 4, 4, 4, 4, 4, 3, 4, 3, 3]
    """
    fw = framework if framework is not None else load_framework()
    ev = evidenced_levels(fw, min_evidence)
    top = ev.loc[ev["evidenced"]].groupby("competency_id", sort=False)["level"].max()
    return top.reindex(list(fw.competency_ids)).astype("Int8").rename("max_evidenced_level")


def capped_role_targets(
    framework: Framework | None = None, min_evidence: float = MIN_EVIDENCE
) -> pd.DataFrame:
    """Role targets with the cap applied: ``target_capped = min(target_level, max evidenced level)``.

    Columns ``role_level, competency_id, target_level, max_evidenced_level, target_capped``
    (``Int8``; ``<NA>`` when the bank evidences no level of the competency at all).

    >>> ct = capped_role_targets()
    >>> ct[(ct.role_level == "KAD") & ct.competency_id.isin(["C9", "C10", "C8"])].target_capped.tolist()
    [4, 3, 3]
    """
    fw = framework if framework is not None else load_framework()
    top = max_evidenced_level(fw, min_evidence)
    rt = fw.role_targets.copy()
    rt["max_evidenced_level"] = rt["competency_id"].map(top).astype("Int8")
    tgt = rt["target_level"].astype("Int8")
    rt["target_capped"] = tgt.where(tgt <= rt["max_evidenced_level"], rt["max_evidenced_level"])
    rt["target_capped"] = rt["target_capped"].astype("Int8")
    rank = {c: k for k, c in enumerate(fw.competency_ids)}
    role_rank = {r: k for k, r in enumerate(fw.roles)}
    rt = rt.assign(_r=rt["role_level"].map(role_rank), _c=rt["competency_id"].map(rank))
    return rt.sort_values(["_r", "_c"]).drop(columns=["_r", "_c"]).reset_index(drop=True)
