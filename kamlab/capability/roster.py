"""The roster: who is in the team, in which role, reporting to whom (people data — keep local).

A roster file (CSV or Excel, one row per person) has the columns

=====================  =========  ====================================================================
column                 required   meaning
=====================  =========  ====================================================================
person_id              yes        the id used in the scores (nbgrader student id / ``kam_id``)
name                   yes        display name
role_level             yes        a role of the framework's role ladder (KAE, KAM, SKAM, KAD, RSM …)
team                   yes        team name (NATIONAL_KA, REGIONAL_KA_R1 …, any text)
region_id              no         region (R1 …); used by the bench's same-region bonus
manager_id             no         the person's manager (must be in the roster; blank = top)
performance_rating     no         a number on any scale (higher = better) for the 9-box
owned_accounts         no         pipe-separated account ids the person owns (``ACC001|ACC004``)
status                 no         ACTIVE (default), PROMOTED, RESIGNED …; bench uses ACTIVE people
=====================  =========  ====================================================================

:func:`load_roster` validates and names every bad entry (unknown role, manager not in the
roster, duplicate person, non-numeric rating) in a :class:`RosterError`;
:func:`roster_from_world` builds the demo roster from a simulated world's ``kam`` table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kamlab.capability.scoring import _fw
from kamlab.data.framework import Framework
from kamlab.i18n import t

__all__ = [
    "ROSTER_COLUMNS",
    "RosterError",
    "check_scores_against_roster",
    "load_roster",
    "owned_accounts",
    "roster_from_world",
    "team_of",
    "validate_roster",
]

#: Roster columns in order; the first four are required.
ROSTER_COLUMNS = (
    "person_id",
    "name",
    "role_level",
    "team",
    "region_id",
    "manager_id",
    "performance_rating",
    "owned_accounts",
    "status",
)
_REQUIRED = ROSTER_COLUMNS[:4]


class RosterError(ValueError):
    """A roster has problems; ``problems`` lists each one, naming the bad entry."""

    def __init__(self, problems: list[str], source: str = "roster") -> None:
        self.problems = list(problems)
        head = t("capability.err_roster_header", source=source, n=len(self.problems))
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "", pd.NA)


def validate_roster(
    roster: pd.DataFrame, framework: Framework | None = None, *, source: str = "roster"
) -> pd.DataFrame:
    """Check a roster DataFrame and return it with the standard columns and dtypes.

    Raises :class:`RosterError` listing every problem (row numbers count data rows from 1).
    """
    fw = _fw(framework)
    if not isinstance(roster, pd.DataFrame):
        raise ValueError(f"roster must be a DataFrame; got {type(roster).__name__}.")
    df = roster.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "kam_id" in df.columns and "person_id" not in df.columns:
        df = df.rename(columns={"kam_id": "person_id"})
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise RosterError([t("capability.err_roster_columns", columns=", ".join(missing))], source)
    for col in ROSTER_COLUMNS:
        if col not in df.columns:
            df[col] = pd.NA
    df = df[list(ROSTER_COLUMNS)].reset_index(drop=True)
    for col in (
        "person_id",
        "name",
        "role_level",
        "team",
        "region_id",
        "manager_id",
        "owned_accounts",
        "status",
    ):
        df[col] = _blank_to_na(df[col])
    df["status"] = df["status"].fillna("ACTIVE").str.upper()
    problems: list[str] = []

    def row(i: int) -> int:
        return int(i) + 1

    for col in _REQUIRED:
        for i in np.flatnonzero(df[col].isna().to_numpy()):
            problems.append(t("capability.err_roster_empty", row=row(i), column=col))
    dup = df["person_id"].notna() & df.duplicated("person_id", keep=False)
    for pid, grp in df.loc[dup].groupby("person_id"):
        problems.append(
            t(
                "capability.err_roster_duplicate",
                person=pid,
                rows=", ".join(str(row(i)) for i in grp.index),
            )
        )
    roles = list(fw.roles)
    bad_role = df["role_level"].notna() & ~df["role_level"].isin(roles)
    for i in np.flatnonzero(bad_role.to_numpy()):
        problems.append(
            t(
                "capability.err_roster_role",
                row=row(i),
                person=df["person_id"].iloc[i],
                role=df["role_level"].iloc[i],
                known=", ".join(roles),
            )
        )
    ids = set(df["person_id"].dropna())
    bad_mgr = df["manager_id"].notna() & ~df["manager_id"].isin(ids)
    for i in np.flatnonzero(bad_mgr.to_numpy()):
        problems.append(
            t(
                "capability.err_roster_manager",
                row=row(i),
                person=df["person_id"].iloc[i],
                manager=df["manager_id"].iloc[i],
            )
        )
    self_mgr = df["manager_id"].notna() & (df["manager_id"] == df["person_id"])
    for i in np.flatnonzero(self_mgr.to_numpy()):
        problems.append(
            t("capability.err_roster_self_manager", row=row(i), person=df["person_id"].iloc[i])
        )
    raw = df["performance_rating"]
    rating = pd.to_numeric(raw, errors="coerce")
    bad_rating = rating.isna() & raw.notna() & (raw.astype("string").str.strip() != "")
    for i in np.flatnonzero(bad_rating.to_numpy()):
        problems.append(
            t(
                "capability.err_roster_rating",
                row=row(i),
                person=df["person_id"].iloc[i],
                value=str(raw.iloc[i]),
            )
        )
    if problems:
        raise RosterError(problems, source)
    df["performance_rating"] = rating.astype("Float64")
    return df.astype({c: "string" for c in ROSTER_COLUMNS if c != "performance_rating"})


def load_roster(path: str | Path, framework: Framework | None = None) -> pd.DataFrame:
    """Read and validate a roster file (``.csv`` UTF-8, or ``.xlsx``; first sheet).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "team.csv"
    >>> _ = p.write_text("person_id,name,role_level,team,manager_id\\nP1,Li Na,KAD,NATIONAL_KA,\\n"
    ...                  "P2,Wang Wei,KAM,NATIONAL_KA,P1\\n", encoding="utf-8")
    >>> load_roster(p)[["person_id", "role_level", "manager_id"]].values.tolist()
    [['P1', 'KAD', <NA>], ['P2', 'KAM', 'P1']]
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path {p} does not exist; give the roster file (CSV or Excel).")
    if p.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        df = pd.read_excel(p, dtype=str)
    else:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return validate_roster(df, framework, source=str(p))


def roster_from_world(world: object, *, active_only: bool = True) -> pd.DataFrame:
    """The demo roster from a simulated world: its ``kam`` table, owners from ``accounts.kam_id``.

    ``active_only`` keeps the ACTIVE people (a manager who left is replaced by the next manager
    up who is still in the roster, else blank). No performance ratings (the 9-box then uses the
    accounts' five-indicator composites).
    """
    kam = world["kam"] if not isinstance(world, pd.DataFrame) else world  # type: ignore[index]
    df = pd.DataFrame(
        {
            "person_id": kam["kam_id"].astype("string"),
            "name": kam["name"].astype("string"),
            "role_level": kam["role_level"].astype("string"),
            "team": kam["team"].astype("string"),
            "region_id": kam["region_id"].astype("string"),
            "manager_id": kam["manager_id"].astype("string"),
            "performance_rating": pd.array([pd.NA] * len(kam), dtype="Float64"),
            "owned_accounts": pd.array([pd.NA] * len(kam), dtype="string"),
            "status": kam["status"].astype("string"),
        }
    )
    try:
        acc = world["accounts"]  # type: ignore[index]
    except (KeyError, TypeError):
        acc = None
    if acc is not None:
        owned = acc.groupby(acc["kam_id"].astype(str))["account_id"].agg(
            lambda s: "|".join(sorted(map(str, s)))
        )
        df["owned_accounts"] = df["person_id"].astype(str).map(owned).astype("string")
    if active_only:
        mgr = dict(zip(df["person_id"], df["manager_id"], strict=True))
        keep = df["status"] == "ACTIVE"
        active = set(df.loc[keep, "person_id"])

        def up(m: object) -> object:
            seen = set()
            while m is not pd.NA and m is not None and m not in active and m not in seen:
                seen.add(m)
                m = mgr.get(m, pd.NA)
            return m if m in active else pd.NA

        df = df.loc[keep].copy()
        df["manager_id"] = pd.array([up(m) for m in df["manager_id"]], dtype="string")
    return validate_roster(df.reset_index(drop=True), source="world.kam")


def owned_accounts(roster: pd.DataFrame) -> pd.DataFrame:
    """Long table ``person_id, account_id`` of the roster's ``owned_accounts``."""
    s = roster.set_index("person_id")["owned_accounts"].dropna().astype(str).str.split("|")
    out = s.explode().str.strip()
    out = out[out != ""]
    return pd.DataFrame({"person_id": out.index.astype(str), "account_id": out.to_numpy()}).astype(
        "string"
    )


def team_of(roster: pd.DataFrame, manager_id: str, *, include_self: bool = True) -> list[str]:
    """Everyone who reports to ``manager_id``, directly or indirectly (what a manager may see).

    >>> r = pd.DataFrame({"person_id": ["D", "M1", "E1", "X"], "manager_id": [None, "D", "M1", None]})
    >>> team_of(r, "D")
    ['D', 'M1', 'E1']
    """
    ids = roster["person_id"].astype(str).tolist()
    if manager_id not in ids:
        raise ValueError(f"manager_id {manager_id!r} is not in the roster.")
    children: dict[str, list[str]] = {}
    for pid, mgr in zip(ids, roster["manager_id"], strict=True):
        if pd.notna(mgr):
            children.setdefault(str(mgr), []).append(pid)
    out, todo, seen = [], [manager_id], set()
    while todo:
        cur = todo.pop(0)
        if cur in seen:
            continue
        seen.add(cur)
        out.append(cur)
        todo.extend(children.get(cur, []))
    return out if include_self else out[1:]


def check_scores_against_roster(
    scores: pd.DataFrame, roster: pd.DataFrame
) -> tuple[pd.DataFrame, str | None]:
    """Keep the scores of people in the roster; a readable message naming the others (or None).

    >>> s = pd.DataFrame({"person_id": ["P1", "P9"], "item_id": ["M1-T1", "M1-T1"]})
    >>> kept, msg = check_scores_against_roster(s, pd.DataFrame({"person_id": ["P1"]}))
    >>> len(kept), msg
    (1, 'Scores of 1 person(s) not in the roster were left out: P9. Add them to the roster to see them.')
    """
    if "person_id" not in scores.columns:
        raise ValueError("scores has no person_id column.")
    known = set(roster["person_id"].astype(str))
    ids = scores["person_id"].astype(str)
    extra = sorted(set(ids) - known)
    if not extra:
        return scores, None
    return scores.loc[ids.isin(known)], t(
        "capability.msg_excluded_persons", n=len(extra), ids=", ".join(extra)
    )
