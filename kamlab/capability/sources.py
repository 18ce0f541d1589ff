"""Score sources for the managers' and trainers' apps: where per-item scores come from.

Three sources give the same thing — a :class:`ScoreSource` with the per-item scores of every
grading run, the roster and the framework — so the apps never care where scores came from:

* **gradebook** (:func:`gradebook_source`): an nbgrader gradebook at any SQLAlchemy URL
  (``sqlite:///…/gradebook.db``, a plain file path, or ``postgresql+psycopg://…``), read through
  :func:`kamlab.assess.export.item_scores`, plus the history table below;
* **demo** (:func:`demo_source`): the simulated KA team of the shipped default world
  (SPEC §3.10: ``kam`` table as roster, ``assessment_scores`` as scores), so the apps show a
  meaningful team out of the box;
* **csv** (:func:`csv_source`): an exported ``item_scores.csv`` (``kamlab course export``) or any
  file shaped like the ``assessment_scores`` table.

**Grading runs and history.** nbgrader keeps only the latest grades. So that the apps can show
how a person's capability moved, :func:`record_grading_run` appends every new grading result
(a person × assessment whose attempt, grading time or scores differ from what was last recorded)
to the table ``kamlab_score_history`` in the *same* database as the gradebook (SQLite or
PostgreSQL), under one new ``run_id`` per call. ``kamlab course grade`` calls it after grading.
The gradebook source reads that history and adds the gradebook's current grades that are not
recorded yet as one more (unrecorded) run, so nothing graded is ever missing from the view.
The dashboard only reads the database; it never writes.

In every source the ``attempt`` column of :attr:`ScoreSource.scores` is the **grading run**,
numbered in time order over the whole source (history ``run_id``; for files and the demo team
the rank of ``graded_at``), which is what
:func:`kamlab.capability.levels_over_time` needs. The submission's own attempt number stays in
``submission_attempt``.

**Bad input** raises :class:`SourceError` (a :class:`ValueError`) whose message is one readable
paragraph saying what is wrong and how to fix it: a gradebook URL that does not answer, a file
that does not exist, an empty gradebook, a roster with unknown roles or managers
(:class:`~kamlab.capability.roster.RosterError`) or a framework folder with bad weights
(:class:`~kamlab.data.framework.FrameworkError`). A roster naming people who have no scores, or
scores of people who are not in the roster, is not an error: the source keeps going and says so
in :attr:`ScoreSource.messages`.

>>> src = demo_source()
>>> src.kind, sorted(src.scores.columns)[:3]
('demo', ['assignment', 'attempt', 'graded_at'])
>>> mine = src.scoped("KAM18")             # a KA director and everyone under them
>>> "KAM18" in set(mine.roster["person_id"]), set(mine.scores["person_id"]) <= set(mine.roster["person_id"])
(True, True)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kamlab.capability.roster import RosterError, load_roster, roster_from_world, team_of
from kamlab.capability.scoring import read_scores
from kamlab.data.framework import Framework, FrameworkError, load_framework
from kamlab.i18n import t

__all__ = [
    "HISTORY_TABLE",
    "SCORE_COLUMNS",
    "GradingRun",
    "ScoreSource",
    "SourceError",
    "csv_source",
    "demo_source",
    "gradebook_source",
    "normalise_db_url",
    "open_source",
    "read_history",
    "record_grading_run",
    "redact_url",
    "synthetic_team",
]

#: The history table kept next to nbgrader's tables in the gradebook database.
HISTORY_TABLE = "kamlab_score_history"

#: Columns of :attr:`ScoreSource.scores`.
#: Progress per person × assessment (``ScoreSource.status``; the cohort app's progress view).
STATUS_COLUMNS = (
    "person_id",
    "assignment",
    "submitted",
    "graded",
    "needs_manual_grade",
    "timestamp",
)

SCORE_COLUMNS = (
    "person_id",
    "assignment",
    "item_id",
    "attempt",
    "submission_attempt",
    "score",
    "max_score",
    "graded_at",
    "needs_manual_grade",
    "recorded",
)

#: Seconds to wait for a database server before saying it does not answer.
CONNECT_TIMEOUT = 5


class SourceError(ValueError):
    """A score source cannot be used; the message is one paragraph a manager can act on."""


@dataclass(frozen=True)
class GradingRun:
    """What :func:`record_grading_run` appended: ``run_id`` (``None`` when nothing was new),
    the number of person × assessment results and of item rows recorded."""

    run_id: int | None
    n_results: int
    n_rows: int
    recorded_at: dt.datetime


@dataclass(eq=False)
class ScoreSource:
    """Per-item scores of every grading run, with the people they belong to.

    ``scores``: one row per person × item × run (columns :data:`SCORE_COLUMNS`; ``attempt`` =
    run number). ``roster``: the validated roster (``None`` when none was given; the cohort app
    then shows person ids or the gradebook's names). ``people``: ``person_id, name`` of everyone
    the source knows. ``status``: one row per person × assessment with ``submitted, graded,
    needs_manual_grade`` (the cohort app's progress). ``accounts``: the world's accounts table
    when known (bench tier rules, 9-box). ``messages``: warnings for the viewer.
    """

    kind: str
    label: str
    scores: pd.DataFrame
    roster: pd.DataFrame | None
    framework: Framework
    people: pd.DataFrame
    status: pd.DataFrame
    accounts: pd.DataFrame | None = None
    messages: list[str] = field(default_factory=list)
    manager_id: str | None = None
    account_scores_loader: Callable[[], pd.DataFrame | None] | None = field(
        default=None, repr=False
    )
    _account_scores: Any = field(default=None, repr=False)
    label_key: str | None = None
    label_args: dict[str, Any] = field(default_factory=dict)

    def describe(self, lang: str | None = None) -> str:
        """The source's label in ``lang`` (a file name stays as it is)."""
        return t(self.label_key, lang=lang, **self.label_args) if self.label_key else self.label

    # -- derived -----------------------------------------------------------------------------
    def latest(self) -> pd.DataFrame:
        """The current grades: per person × assessment, the rows of the latest run."""
        s = self.scores
        if s.empty:
            return s
        last = s.groupby(["person_id", "assignment"], sort=False)["attempt"].transform("max")
        return s.loc[s["attempt"] == last].reset_index(drop=True)

    def name_of(self, person_id: str) -> str:
        """The display name of ``person_id`` (the id when no name is known)."""
        hit = self.people.loc[self.people["person_id"] == person_id, "name"]
        return str(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else str(person_id)

    def performance_source(self) -> str | None:
        """Where 9-box performance comes from: ``"rating"`` (the roster's
        ``performance_rating``), ``"accounts"`` (five-indicator composites of owned accounts) or
        ``None`` (no performance data at all — the 9-box says so)."""
        r = self.roster
        if r is None:
            return None
        if "performance_rating" in r.columns and r["performance_rating"].notna().any():
            return "rating"
        if self.account_scores_loader is not None and r["owned_accounts"].notna().any():
            return "accounts"
        return None

    def account_scores(self) -> pd.DataFrame | None:
        """Per-account composite (``account_id, composite``) for the 9-box; computed once."""
        if self._account_scores is None and self.account_scores_loader is not None:
            self._account_scores = self.account_scores_loader()
        return self._account_scores

    def scoped(self, manager_id: str | None) -> ScoreSource:
        """Only ``manager_id`` and the people the roster puts under them (directly or not).

        Scores, people, status, messages and accounts of everyone else are dropped here, so no
        view, export or report built on the result can show them. ``None`` returns ``self``.
        """
        if manager_id is None:
            return self
        if self.roster is None:
            raise SourceError(t("apps.err_manager_needs_roster", manager=manager_id))
        if manager_id not in set(self.roster["person_id"].astype(str)):
            raise SourceError(t("apps.err_manager_unknown", manager=manager_id))
        ids = team_of(self.roster, manager_id)
        keep = set(ids)
        roster = self.roster.loc[self.roster["person_id"].isin(keep)].reset_index(drop=True)
        # the top of the visible tree reports to nobody the viewer may see
        roster.loc[roster["person_id"] == manager_id, "manager_id"] = pd.NA
        scores = self.scores.loc[self.scores["person_id"].isin(keep)].reset_index(drop=True)
        status = self.status.loc[self.status["person_id"].isin(keep)].reset_index(drop=True)
        people = self.people.loc[self.people["person_id"].isin(keep)].reset_index(drop=True)
        accounts = self.accounts
        owned: set[str] = set()
        if "owned_accounts" in roster.columns:
            for v in roster["owned_accounts"].dropna().astype(str):
                owned.update(a.strip() for a in v.split("|") if a.strip())
        if accounts is not None:
            accounts = accounts.loc[accounts["account_id"].astype(str).isin(owned)].copy()
            if "kam_id" in accounts.columns:
                accounts["kam_id"] = accounts["kam_id"].where(accounts["kam_id"].isin(keep))
        loader = self.account_scores_loader
        scoped_loader = None
        if loader is not None:

            def scoped_loader() -> pd.DataFrame | None:
                sc = self.account_scores()
                return None if sc is None else sc.loc[sc["account_id"].astype(str).isin(owned)]

        messages = _roster_messages(roster, scores, self.label, include_extra=False)
        return replace(
            self,
            scores=scores,
            roster=roster,
            people=people,
            status=status,
            accounts=accounts,
            messages=messages,
            manager_id=manager_id,
            account_scores_loader=scoped_loader,
            _account_scores=None,
        )


# ---------------------------------------------------------------------------------------------
# helpers


def _finish_scores(df: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Standard columns and dtypes; ``assignment`` from the item bank where missing."""
    out = _with_assignment(df, framework)
    if "needs_manual_grade" not in out.columns:
        out["needs_manual_grade"] = False
    if "submission_attempt" not in out.columns:
        out["submission_attempt"] = out["attempt"]
    if "recorded" not in out.columns:
        out["recorded"] = True
    out = out.astype(
        {
            "person_id": "string",
            "assignment": "string",
            "item_id": "string",
            "score": "float64",
            "max_score": "float64",
        }
    )
    out["attempt"] = out["attempt"].astype("int64")
    out["submission_attempt"] = out["submission_attempt"].astype("int64")
    out["needs_manual_grade"] = out["needs_manual_grade"].fillna(False).astype(bool)
    out["recorded"] = out["recorded"].fillna(True).astype(bool)
    out["graded_at"] = pd.to_datetime(out["graded_at"], errors="coerce").astype("datetime64[ns]")
    return (
        out[list(SCORE_COLUMNS)]
        .sort_values(["person_id", "assignment", "attempt", "item_id"], kind="mergesort")
        .reset_index(drop=True)
    )


def _runs_by_time(df: pd.DataFrame) -> pd.DataFrame:
    """Renumber ``attempt`` as the grading run, in time order over the whole table.

    One submission (person × assessment × attempt) is one grading result; its time is the
    latest ``graded_at`` of its rows, and every row of it gets the same run number. A run is one
    distinct ``(time, attempt)`` pair; results without a time sort by attempt before the dated
    ones. The submission's own attempt number stays in ``submission_attempt``. Needs the
    ``assignment`` column.

    >>> d = pd.DataFrame({"person_id": ["A", "A", "B", "A"], "assignment": ["X", "X", "X", "Y"],
    ...     "attempt": [1, 1, 1, 2], "graded_at": pd.to_datetime(
    ...     ["2024-03-01", "2024-03-02", "2024-01-01", "2024-05-01"])})
    >>> _runs_by_time(d)["attempt"].tolist()
    [2, 2, 1, 3]
    """
    out = df.copy()
    out["submission_attempt"] = out["attempt"]
    when = pd.to_datetime(out["graded_at"], errors="coerce")
    sub_t = when.groupby(
        [out["person_id"].astype(str), out["assignment"].astype(str), out["attempt"]], sort=False
    ).transform("max")
    key = pd.DataFrame(
        {
            "t": sub_t.fillna(pd.Timestamp.min).astype("datetime64[ns]").astype("int64"),
            "a": out["attempt"].astype("int64"),
        }
    )
    uniq = key.drop_duplicates().sort_values(["t", "a"]).reset_index(drop=True)
    uniq["run"] = np.arange(1, len(uniq) + 1)
    out["attempt"] = key.merge(uniq, on=["t", "a"], how="left")["run"].to_numpy()
    return out


def _with_assignment(df: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """``assignment`` from the item bank where missing (else the item id's prefix, M1-T1 → M1)."""
    out = df.copy()
    if "assignment" not in out.columns:
        out["assignment"] = pd.NA
    out["assignment"] = out["assignment"].astype("string")
    bank = framework.assessment_items.set_index(framework.assessment_items["item_id"].astype(str))[
        "assignment"
    ]
    miss = out["assignment"].isna()
    if miss.any():
        out.loc[miss, "assignment"] = out.loc[miss, "item_id"].astype(str).map(bank)
    miss = out["assignment"].isna()
    if miss.any():
        out.loc[miss, "assignment"] = out.loc[miss, "item_id"].astype(str).str.split("-").str[0]
    return out


def _status_from_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Progress rows when a file or the demo team is the source: every row is graded."""
    if scores.empty:
        return pd.DataFrame(columns=list(STATUS_COLUMNS))
    g = scores.groupby(["person_id", "assignment"], sort=True, observed=True)
    st = g.agg(needs_manual_grade=("needs_manual_grade", "any"), timestamp=("graded_at", "max"))
    st = st.reset_index()
    st.insert(2, "submitted", True)
    st.insert(3, "graded", True)
    return st


def _roster_messages(
    roster: pd.DataFrame | None, scores: pd.DataFrame, label: str, *, include_extra: bool = True
) -> list[str]:
    """Warnings about people in the roster without scores, and scores without a roster entry."""
    if roster is None:
        return []
    msgs = []
    have = set(scores["person_id"].astype(str))
    known = set(roster["person_id"].astype(str))
    unscored = sorted(known - have)
    if unscored and have:
        msgs.append(
            t(
                "apps.msg_roster_without_scores",
                n=len(unscored),
                ids=", ".join(unscored[:30]) + (" …" if len(unscored) > 30 else ""),
                source=label,
            )
        )
    extra = sorted(have - known)
    if extra and include_extra:
        msgs.append(
            t(
                "capability.msg_excluded_persons",
                n=len(extra),
                ids=", ".join(extra[:30]) + (" …" if len(extra) > 30 else ""),
            )
        )
    return msgs


def _people(roster: pd.DataFrame | None, scores: pd.DataFrame, names: dict | None = None):
    ids = list(
        dict.fromkeys([*(roster["person_id"] if roster is not None else []), *scores["person_id"]])
    )
    name_map = dict(names or {})
    if roster is not None:
        name_map.update(dict(zip(roster["person_id"], roster["name"], strict=True)))
    return pd.DataFrame(
        {
            "person_id": pd.array(ids, dtype="string"),
            "name": pd.array([name_map.get(i) or i for i in ids], dtype="string"),
        }
    )


def _load_fw(framework: Framework | str | Path | None) -> Framework:
    if isinstance(framework, Framework):
        return framework
    try:
        return load_framework(framework)
    except FrameworkError as exc:
        raise SourceError(str(exc)) from None


def _load_roster(roster: pd.DataFrame | str | Path | None, fw: Framework) -> pd.DataFrame | None:
    if roster is None or isinstance(roster, pd.DataFrame):
        return roster
    p = Path(roster)
    if not p.is_file():
        raise SourceError(t("apps.err_roster_missing", path=p))
    try:
        return load_roster(p, fw)
    except RosterError as exc:
        raise SourceError(str(exc)) from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise SourceError(t("apps.err_roster_unreadable", path=p, reason=str(exc))) from None


def _world_loader(world_dir: str | Path | None) -> Callable[[], pd.DataFrame | None]:
    """A function computing per-account composites (latest fiscal year) of a world folder."""

    def load() -> pd.DataFrame | None:
        from kamlab.analysis.scorecard import account_scorecard
        from kamlab.data.world import load_world

        world = load_world(world_dir, truth=False)
        sc = account_scorecard(world)
        if sc.empty:
            return None
        fy = sc["fiscal_year"].dropna().max()
        sc = sc.loc[sc["fiscal_year"] == fy]
        return sc[["account_id", "fiscal_year", "composite"]].reset_index(drop=True)

    return load


def _world_accounts(world_dir: str | Path | None) -> pd.DataFrame | None:
    folder = Path(world_dir) if world_dir is not None else None
    if folder is None:
        from kamlab.resources import default_world_dir

        folder = default_world_dir()
    f = folder / "public" / "accounts.parquet"
    if not f.is_file():
        raise SourceError(t("apps.err_world_missing", path=folder))
    return pd.read_parquet(f)


# ---------------------------------------------------------------------------------------------
# demo


def demo_source(
    world_dir: str | Path | None = None, framework: Framework | str | Path | None = None
) -> ScoreSource:
    """The simulated KA team of a world (default: the shipped default world).

    Reads only the ``kam``, ``accounts`` and ``assessment_scores`` tables (fast); the 9-box
    composites of the accounts each person owns (SPEC §2.18, latest fiscal year) are computed
    from the full world the first time the 9-box is opened. Grading runs are the grading dates of
    the simulated assessments, so the over-time view shows capability as modules were completed.
    """
    from kamlab.data.world import World
    from kamlab.resources import default_world_dir

    fw = _load_fw(framework)
    folder = Path(world_dir) if world_dir is not None else default_world_dir()
    pub = folder / "public"
    tables = {}
    for name in ("kam", "accounts", "assessment_scores"):
        f = pub / f"{name}.parquet"
        if not f.is_file():
            raise SourceError(t("apps.err_world_missing", path=folder))
        tables[name] = pd.read_parquet(f)
    world = World(public=tables)
    roster = roster_from_world(world)
    raw = tables["assessment_scores"]
    scores = _finish_scores(_runs_by_time(_with_assignment(raw, fw)), fw)
    scores = scores.loc[scores["person_id"].isin(set(roster["person_id"]))].reset_index(drop=True)
    label = t("apps.source_demo")
    return ScoreSource(
        kind="demo",
        label=label,
        scores=scores,
        roster=roster,
        framework=fw,
        people=_people(roster, scores),
        status=_status_from_scores(scores),
        accounts=tables["accounts"],
        messages=_roster_messages(roster, scores, label),
        account_scores_loader=_world_loader(folder),
        label_key="apps.source_demo",
    )


# ---------------------------------------------------------------------------------------------
# csv


def csv_source(
    path: str | Path,
    roster: pd.DataFrame | str | Path | None = None,
    framework: Framework | str | Path | None = None,
    *,
    world_dir: str | Path | None = None,
) -> ScoreSource:
    """An exported ``item_scores.csv`` (or any ``assessment_scores``-shaped CSV/Excel/parquet).

    Runs are numbered by ``graded_at`` (then ``attempt``) over the whole file.
    """
    fw = _load_fw(framework)
    p = Path(path)
    if not p.is_file():
        raise SourceError(t("apps.err_scores_missing", path=p))
    try:
        core = read_scores(p)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise SourceError(t("apps.err_scores_unreadable", path=p, reason=str(exc))) from None
    extra_cols = ["assignment", "needs_manual_grade"]
    if p.suffix.lower() == ".csv":
        raw = pd.read_csv(p, dtype={"person_id": str, "item_id": str}, encoding="utf-8-sig")
        keep = [c for c in extra_cols if c in raw.columns]
        if keep:
            raw = raw[["person_id", "item_id", *(["attempt"] if "attempt" in raw else []), *keep]]
            if "attempt" not in raw:
                raw = raw.assign(attempt=1)
            raw = raw.astype({"person_id": "string", "item_id": "string"})
            raw["attempt"] = raw["attempt"].astype("int64")
            if "needs_manual_grade" in raw:
                raw["needs_manual_grade"] = (
                    raw["needs_manual_grade"]
                    .astype(str)
                    .str.strip()
                    .str.lower()
                    .isin(["true", "1", "yes"])
                )
            core = core.astype({"attempt": "int64"}).merge(
                raw, on=["person_id", "item_id", "attempt"], how="left"
            )
    if core.empty:
        raise SourceError(t("apps.err_scores_empty", path=p))
    scores = _finish_scores(_runs_by_time(_with_assignment(core, fw)), fw)
    ros = _load_roster(roster, fw)
    label = p.name
    accounts = _world_accounts(world_dir) if world_dir is not None else None
    return ScoreSource(
        kind="csv",
        label=label,
        scores=scores,
        roster=ros,
        framework=fw,
        people=_people(ros, scores),
        status=_status_from_scores(scores),
        accounts=accounts,
        messages=_roster_messages(ros, scores, label),
        account_scores_loader=_world_loader(world_dir) if world_dir is not None else None,
    )


# ---------------------------------------------------------------------------------------------
# gradebook


def normalise_db_url(db: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a path to a SQLite gradebook file.

    >>> normalise_db_url("sqlite:///tmp/g.db"), normalise_db_url("/tmp/g.db")
    ('sqlite:///tmp/g.db', 'sqlite:////tmp/g.db')
    """
    s = str(db).strip()
    if not s:
        raise SourceError(t("apps.err_db_empty"))
    if "://" in s:
        return s
    return f"sqlite:///{Path(s).expanduser().resolve()}"


def redact_url(url: str) -> str:
    """The URL with any password hidden (safe to show and log).

    >>> redact_url("postgresql+psycopg://grader:s3cret@db.example:5432/kamlab")
    'postgresql+psycopg://grader:***@db.example:5432/kamlab'
    """
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show no credentials at all
        return url.split("@")[-1] if "@" in url else url


def _engine(url: str):
    from sqlalchemy import create_engine

    args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        args["connect_timeout"] = CONNECT_TIMEOUT
    elif url.startswith("sqlite"):
        args["timeout"] = 30
    return create_engine(url, connect_args=args, future=True)


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    db = make_url(url).database
    return Path(db) if db and db != ":memory:" else None


def _check_reachable(url: str) -> list[str]:
    """Connect once (bounded wait); the database's table names. SourceError if it does not answer."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    shown = redact_url(url)
    f = _sqlite_file(url)
    if f is not None and not f.is_file():
        raise SourceError(t("apps.err_gradebook_file_missing", path=f))
    if url.startswith("postgresql"):
        os.environ.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT))
    try:
        engine = _engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise SourceError(t("apps.err_gradebook_url", url=shown, reason=str(exc))) from None
    try:
        with engine.connect() as conn:
            return list(inspect(conn).get_table_names())
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
        raise SourceError(
            t("apps.err_gradebook_unreachable", url=shown, reason=reason[0] if reason else "")
        ) from None
    finally:
        engine.dispose()


class _GradebookOnly:
    """What :func:`kamlab.assess.export.item_scores` needs of a course when only the gradebook
    URL is known: the gradebook, and a root without judgement files (attempt 1, the
    submission's timestamp)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.root = Path(os.devnull)

    @contextlib.contextmanager
    def gradebook(self) -> Iterator[Any]:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url, course_id="kamlab") as gb:
            yield gb


def _course(db: Any, course_root: str | Path | None) -> tuple[Any, str]:
    """(course-like object, URL) from a Course, a URL/path, or a course root."""
    if hasattr(db, "gradebook") and hasattr(db, "db_url"):
        return db, str(db.db_url)
    if db is None and course_root is not None:
        from kamlab.assess.course import Course

        try:
            c = Course(course_root)
        except FileNotFoundError as exc:
            raise SourceError(str(exc)) from None
        return c, c.db_url
    url = normalise_db_url(db)
    if course_root is not None:
        from kamlab.assess.course import Course

        try:
            return Course(course_root, db_url=url), url
        except FileNotFoundError as exc:
            raise SourceError(str(exc)) from None
    return _GradebookOnly(url), url


def _gradebook_tables(names: list[str], url: str) -> None:
    if not {"submitted_assignment", "grade", "assignment"} <= set(names):
        raise SourceError(t("apps.err_not_a_gradebook", url=redact_url(url)))


def _item_scores(course: Any) -> pd.DataFrame:
    from kamlab.assess.export import item_scores

    return item_scores(course)


def _history_table(metadata: Any) -> Any:
    import sqlalchemy as sa

    return sa.Table(
        HISTORY_TABLE,
        metadata,
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.String(128), primary_key=True),
        sa.Column("item_id", sa.String(128), primary_key=True),
        sa.Column("assignment", sa.String(128), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("graded_at", sa.DateTime, nullable=True),
        sa.Column("needs_manual_grade", sa.Boolean, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )


_HIST_COLS = [
    "run_id",
    "person_id",
    "item_id",
    "assignment",
    "attempt",
    "score",
    "max_score",
    "graded_at",
    "needs_manual_grade",
    "recorded_at",
]


def _read_history_conn(conn: Any) -> pd.DataFrame:
    import sqlalchemy as sa

    table = _history_table(sa.MetaData())
    rows = conn.execute(sa.select(table)).mappings().all()
    df = pd.DataFrame([dict(r) for r in rows], columns=_HIST_COLS)
    df = df.astype(
        {
            "person_id": "string",
            "item_id": "string",
            "assignment": "string",
            "score": "float64",
            "max_score": "float64",
        }
    )
    for c in ("run_id", "attempt"):
        df[c] = df[c].astype("int64")
    df["needs_manual_grade"] = df["needs_manual_grade"].astype(bool)
    for c in ("graded_at", "recorded_at"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    return df


def read_history(db: str | Path) -> pd.DataFrame:
    """Every recorded grading run (the ``kamlab_score_history`` table), oldest first.

    Columns ``run_id, person_id, item_id, assignment, attempt, score, max_score, graded_at,
    needs_manual_grade, recorded_at``; empty when nothing was recorded yet.
    """
    from sqlalchemy import inspect

    url = normalise_db_url(db)
    names = _check_reachable(url)
    if HISTORY_TABLE not in names:
        return _read_history_empty()
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            if HISTORY_TABLE not in inspect(conn).get_table_names():
                return _read_history_empty()
            return _read_history_conn(conn).sort_values(["run_id", "person_id", "item_id"])
    finally:
        engine.dispose()


def _read_history_empty() -> pd.DataFrame:
    df = pd.DataFrame(columns=_HIST_COLS)
    return df.astype({"run_id": "int64", "attempt": "int64"})


def _micro(ts: object) -> object:
    """A timestamp rounded to microseconds (what both databases keep), or None."""
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).floor("us").to_pydatetime()


def _signatures(df: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    """person × assessment → what identifies its grading result (attempt, time, every score)."""
    out: dict[tuple[str, str], tuple] = {}
    if df.empty:
        return out
    cols = ["item_id", "attempt", "score", "max_score", "graded_at", "needs_manual_grade"]
    d = df.sort_values(["person_id", "assignment", "item_id"], kind="mergesort")
    for (p, a), g in d.groupby(["person_id", "assignment"], sort=False):
        out[(str(p), str(a))] = tuple(
            (str(i), int(at), float(s), float(m), _micro(w), bool(n))
            for i, at, s, m, w, n in g[cols].itertuples(index=False, name=None)
        )
    return out


def _new_results(current: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``current`` whose person × assessment result differs from the latest recorded."""
    if current.empty:
        return current
    if history.empty:
        return current
    last = history.groupby(["person_id", "assignment"])["run_id"].transform("max")
    latest = history.loc[history["run_id"] == last]
    seen = _signatures(latest)
    now = _signatures(current)
    fresh = {k for k, v in now.items() if seen.get(k) != v}
    if not fresh:
        return current.iloc[0:0]
    key = list(
        zip(current["person_id"].astype(str), current["assignment"].astype(str), strict=True)
    )
    return current.loc[[k in fresh for k in key]]


def record_grading_run(
    course_or_db: Any,
    *,
    course_root: str | Path | None = None,
    now: dt.datetime | None = None,
) -> GradingRun:
    """Append the gradebook's new grading results to ``kamlab_score_history`` as one run.

    ``course_or_db``: a :class:`kamlab.assess.course.Course`, a SQLAlchemy URL or a SQLite
    path. A person × assessment is appended when its current result (submission attempt,
    grading time or any item score — manual grades included) differs from the latest recorded
    one, so calling this twice in a row records nothing the second time. The table is created
    on first use, in the gradebook's own database (SQLite or PostgreSQL); it is never created in
    a database that holds no gradebook.

    Returns :class:`GradingRun` (``run_id`` ``None`` when nothing was new).
    """
    import sqlalchemy as sa

    course, url = _course(course_or_db, course_root)
    names = _check_reachable(url)
    _gradebook_tables(names, url)
    current = _item_scores(course)
    when = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    engine = _engine(url)
    try:
        md = sa.MetaData()
        table = _history_table(md)
        md.create_all(engine, checkfirst=True)
        for _try in range(3):
            try:
                with engine.begin() as conn:
                    history = _read_history_conn(conn)
                    new = _new_results(current, history)
                    if new.empty:
                        return GradingRun(None, 0, 0, when)
                    run_id = int(history["run_id"].max()) + 1 if len(history) else 1
                    rows = [
                        {
                            "run_id": run_id,
                            "person_id": str(r.person_id),
                            "item_id": str(r.item_id),
                            "assignment": str(r.assignment),
                            "attempt": int(r.attempt),
                            "score": float(r.score),
                            "max_score": float(r.max_score),
                            "graded_at": _micro(r.graded_at),
                            "needs_manual_grade": bool(r.needs_manual_grade),
                            "recorded_at": when,
                        }
                        for r in new.itertuples(index=False)
                    ]
                    conn.execute(sa.insert(table), rows)
                    n_res = new[["person_id", "assignment"]].drop_duplicates().shape[0]
                    return GradingRun(run_id, int(n_res), len(rows), when)
            except sa.exc.IntegrityError:  # another grader recorded the same run id: retry
                continue
        raise SourceError(t("apps.err_history_busy", url=redact_url(url)))
    finally:
        engine.dispose()


def gradebook_status(course_or_db: Any, *, course_root: str | Path | None = None) -> pd.DataFrame:
    """Progress per person × assessment from the gradebook: ``submitted, graded,
    needs_manual_grade, timestamp`` (one row per submission, graded or not)."""
    course, url = _course(course_or_db, course_root)
    _gradebook_tables(_check_reachable(url), url)
    rows = []
    names: dict[str, str] = {}
    with course.gradebook() as gb:
        for st in gb.students:
            full = " ".join(x for x in (st.first_name, st.last_name) if x)
            if full:
                names[st.id] = full
        for a in gb.assignments:
            for sub in a.submissions:
                graded = any(
                    g.auto_score is not None or g.manual_score is not None
                    for nb in sub.notebooks
                    for g in nb.grades
                )
                rows.append(
                    {
                        "person_id": sub.student.id,
                        "assignment": a.name,
                        "submitted": True,
                        "graded": bool(graded),
                        "needs_manual_grade": bool(sub.needs_manual_grade),
                        "timestamp": sub.timestamp,
                    }
                )
    df = pd.DataFrame(
        rows,
        columns=list(STATUS_COLUMNS),
    )
    df = df.astype({"person_id": "string", "assignment": "string"})
    df["timestamp"] = pd.to_datetime(df["timestamp"], errors="coerce", utc=True)
    df["timestamp"] = df["timestamp"].dt.tz_localize(None).astype("datetime64[ns]")
    df.attrs["names"] = names
    return df.sort_values(["person_id", "assignment"]).reset_index(drop=True)


def gradebook_source(
    db: Any,
    roster: pd.DataFrame | str | Path | None = None,
    framework: Framework | str | Path | None = None,
    *,
    course_root: str | Path | None = None,
    world_dir: str | Path | None = None,
) -> ScoreSource:
    """Scores of an nbgrader gradebook (URL, SQLite path or Course) with their recorded history.

    Every recorded run (``kamlab_score_history``) is a run; the gradebook's current results
    that are not recorded yet are added as one more run (``recorded`` = False). Raises
    :class:`SourceError` when the database does not answer, is not a gradebook, or holds no
    graded submission yet.
    """
    fw = _load_fw(framework)
    course, url = _course(db, course_root)
    shown = redact_url(url)
    names = _check_reachable(url)
    _gradebook_tables(names, url)
    try:
        current = _item_scores(course)
        status = gradebook_status(course)
    except SourceError:
        raise
    except Exception as exc:  # the database went away mid-read, or a corrupt gradebook
        raise SourceError(t("apps.err_gradebook_read", url=shown, reason=str(exc))) from None
    if current.empty:
        raise SourceError(t("apps.err_gradebook_empty", url=shown))
    history = read_history(url) if HISTORY_TABLE in names else _read_history_empty()
    pending = _new_results(current, history)
    parts = []
    if len(history):
        h = history.rename(columns={"attempt": "submission_attempt"}).assign(recorded=True)
        h["attempt"] = h["run_id"]
        parts.append(h)
    if len(pending):
        nxt = int(history["run_id"].max()) + 1 if len(history) else 1
        p = pending.rename(columns={"attempt": "submission_attempt"}).assign(
            recorded=False, attempt=nxt
        )
        parts.append(p)
    scores = _finish_scores(pd.concat(parts, ignore_index=True), fw)
    ros = _load_roster(roster, fw)
    label = t("apps.source_gradebook", url=shown)
    accounts = _world_accounts(world_dir) if world_dir is not None else None
    return ScoreSource(
        kind="gradebook",
        label=label,
        scores=scores,
        roster=ros,
        framework=fw,
        people=_people(ros, scores, status.attrs.get("names")),
        status=status.drop(columns=[], errors="ignore"),
        accounts=accounts,
        messages=_roster_messages(ros, scores, label),
        account_scores_loader=_world_loader(world_dir) if world_dir is not None else None,
        label_key="apps.source_gradebook",
        label_args={"url": shown},
    )


# ---------------------------------------------------------------------------------------------
# one entry point


def open_source(
    *,
    db: Any = None,
    scores: str | Path | None = None,
    demo: bool = False,
    roster: pd.DataFrame | str | Path | None = None,
    framework: Framework | str | Path | None = None,
    world_dir: str | Path | None = None,
    course_root: str | Path | None = None,
    manager_id: str | None = None,
    need_roster: bool = False,
) -> ScoreSource:
    """Open one source (``db`` | ``scores`` | ``demo``; the demo team when none is given).

    ``manager_id`` keeps only that manager's people (:meth:`ScoreSource.scoped`).
    ``need_roster`` (the team-gaps app) makes a missing roster an error for real people —
    roles, and so targets and gaps, come from the roster.
    """
    given = [x for x in (db is not None or course_root is not None, scores is not None, demo) if x]
    if len(given) > 1:
        raise SourceError(t("apps.err_one_source"))
    if scores is not None:
        src = csv_source(scores, roster, framework, world_dir=world_dir)
    elif db is not None or course_root is not None:
        src = gradebook_source(db, roster, framework, course_root=course_root, world_dir=world_dir)
    else:
        src = demo_source(world_dir, framework)
        if roster is not None:
            ros = _load_roster(roster, src.framework)
            src = replace(
                src,
                roster=ros,
                people=_people(ros, src.scores),
                messages=_roster_messages(ros, src.scores, src.label),
                accounts=src.accounts,
            )
    if need_roster and src.roster is None:
        raise SourceError(t("apps.err_roster_needed", source=src.label))
    if src.roster is not None and not set(src.roster["person_id"]) & set(src.scores["person_id"]):
        raise SourceError(t("apps.err_roster_disjoint", n=len(src.roster), source=src.label))
    return src.scoped(manager_id)


# ---------------------------------------------------------------------------------------------
# synthetic team (benchmarks, load tests)

_ROLE_MU = {"KAE": 1.6, "KAM": 2.3, "SKAM": 3.0, "KAD": 3.3, "RSM": 2.3}


def synthetic_team(
    n_people: int = 200,
    *,
    seed: int = 0,
    n_teams: int = 10,
    runs: int = 2,
    framework: Framework | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A made-up KA organisation and its per-item scores, for benchmarks and load tests.

    ``n_people`` people in ``n_teams`` teams (a KAD heading each, SKAMs under the KAD, KAMs,
    RSMs and KAEs under the SKAMs), five regions; latent levels and item scores as the
    simulator's (SPEC §3.10: level ``clip(round(N(μ_role, 0.8)), 1, 4)``, fraction
    ``clip(logistic(1.7 (θ − ℓ_i + 0.5)) + N(0, 0.08), 0, 1)`` rounded to 0.5 points); every
    person submits every assessment once, and ``runs − 1`` later re-grades of a few assessments
    (with higher θ) give a history. Returns ``(roster, scores)``; names are ``Person 001`` ….

    >>> roster, scores = synthetic_team(20, seed=1)
    >>> len(roster), roster["role_level"].value_counts().to_dict()["KAD"]
    (20, 10)
    """
    if n_people < 1:
        raise ValueError(f"n_people must be at least 1; got {n_people}.")
    rng = np.random.default_rng(seed)
    fw = framework if framework is not None else load_framework()
    n_teams = max(1, min(n_teams, n_people))
    ids = [f"P{i:04d}" for i in range(1, n_people + 1)]
    team_of_p = [i % n_teams for i in range(n_people)]
    roles: list[str] = []
    mgr: list[object] = []
    head: dict[int, str] = {}
    skams: dict[int, list[str]] = {}
    for i, pid in enumerate(ids):
        tm = team_of_p[i]
        if tm not in head:
            head[tm] = pid
            roles.append("KAD")
            mgr.append(pd.NA)
            continue
        k = len(skams.get(tm, []))
        if k < 2:
            skams.setdefault(tm, []).append(pid)
            roles.append("SKAM")
            mgr.append(head[tm])
            continue
        roles.append(str(rng.choice(["KAM", "KAM", "KAM", "RSM", "KAE", "KAE"])))
        mgr.append(skams[tm][i % len(skams[tm])])
    roster = pd.DataFrame(
        {
            "person_id": ids,
            "name": [f"Person {i:03d}" for i in range(1, n_people + 1)],
            "role_level": roles,
            "team": [f"TEAM_{tm + 1:02d}" for tm in team_of_p],
            "region_id": [f"R{(tm % 5) + 1}" for tm in team_of_p],
            "manager_id": mgr,
            "performance_rating": np.round(rng.uniform(1, 5, n_people), 1),
        }
    )
    items = fw.assessment_items.copy()
    imap = fw.item_competency_map
    top = imap.sort_values("weight", ascending=False).drop_duplicates("item_id")
    items["comp"] = items["item_id"].map(top.set_index("item_id")["competency_id"])
    comps = list(fw.competency_ids)
    mu = np.array([_ROLE_MU.get(r, 2.3) for r in roles])
    theta = np.clip(np.round(rng.normal(mu[:, None], 0.8, (n_people, len(comps)))), 1, 4)
    cidx = items["comp"].map({c: k for k, c in enumerate(comps)}).to_numpy()
    lvl = items["level"].to_numpy(float)
    pts = items["max_points"].to_numpy(float)
    assignments = items["assignment"].astype(str).to_numpy()
    days = {a: k * 14 for k, a in enumerate(sorted(set(assignments)))}
    t0 = pd.Timestamp("2025-01-06 09:00")
    frames = []
    for run in range(1, max(1, runs) + 1):
        th = theta[:, cidx] + (run - 1) * 0.6
        frac = 1 / (1 + np.exp(-1.7 * (th - lvl[None, :] + 0.5)))
        frac = np.clip(frac + rng.normal(0, 0.08, frac.shape), 0, 1)
        score = np.round(frac * pts[None, :] * 2) / 2
        if run == 1:
            mask = np.ones_like(score, dtype=bool)
        else:  # a re-grade of one or two assessments for a third of the people
            redo = rng.random(n_people) < 0.34
            which = rng.choice(sorted(set(assignments)), n_people)
            mask = redo[:, None] & (assignments[None, :] == which[:, None])
        p_i, i_i = np.nonzero(mask)
        frames.append(
            pd.DataFrame(
                {
                    "person_id": np.array(ids)[p_i],
                    "assignment": assignments[i_i],
                    "item_id": items["item_id"].to_numpy()[i_i],
                    "attempt": run,
                    "score": score[p_i, i_i],
                    "max_score": pts[i_i],
                    "graded_at": [
                        t0 + pd.Timedelta(days=days[a] + 120 * (run - 1)) for a in assignments[i_i]
                    ],
                    "needs_manual_grade": False,
                }
            )
        )
    scores = pd.concat(frames, ignore_index=True)
    return roster, scores
