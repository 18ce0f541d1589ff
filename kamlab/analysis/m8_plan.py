"""The M8 capstone submission: its documented format, validation and (de)serialisation.

The capstone (SPEC §4 M8) is submitted **as data**. A submission is one account id plus a dict
of DataFrames. Four of them are exactly the plan of :func:`kamlab.sim.simulate_plan`
(``promotions``, ``terms``, ``shipments_policy``, ``budget``) and are what the simulator replays;
four more carry the parts a simulator cannot judge (``diagnosis``, ``jbp_targets``,
``budget_allocation``, ``actions``). The M8 assessment grader and the curriculum's control tower
both use this module, so a plan built in the notebook is accepted by the assessment unchanged.

Tables and columns (``*`` = required when the table is given; every table is optional — a
missing plan table keeps the account's current practice in the replay):

``promotions`` — one row per promoted SKU in the 13 replayed weeks (week ids ``T … T+12`` where
``T`` is the number of weeks in the world; 104 for the default world)
    ``sku_id*`` (str), ``start_week*``, ``end_week*`` (int, inclusive), ``depth_pct*`` (float,
    0–0.5, the shelf-price cut), ``mechanic`` (TPR, MULTIBUY, BOGO, GWP, DISPLAY_ONLY, EC_COUPON,
    TRADE_DEAL; default TPR), ``display_type`` (NONE, ENDCAP, FLOOR_STACK), ``feature`` (NONE, DM,
    APP_BANNER), ``funding_per_case`` (RMB; default the world's scan-back rule, 80 % of the price
    cut), ``fixed_fee_rmb`` (RMB; default display and DM fees from the terms),
    ``planned_uplift_pct`` (the retailer's order assumption; default the true expected uplift).
    One promotion at a time per SKU.
``terms`` — one row: the annual-agreement columns the trainee proposes (fractions of GS, RMB
    amounts, days): ``on_invoice_discount_pct``, ``unconditional_rebate_pct``,
    ``ec_platform_fee_pct``, ``logistics_allowance_pct``, ``endcap_fee_per_store_period``,
    ``floorstack_fee_per_store_period``, ``dm_fee_per_issue``, ``festival_fee_annual``,
    ``anniversary_fee_annual``, ``listing_fee_per_sku_store``, ``payment_terms_days``,
    ``case_fill_kpi``, ``otif_kpi``, ``otif_penalty_pct``, ``aged_stock_clearance_pct``;
    columns left out keep the current agreement.
``shipments_policy`` — either ``target_woc*`` (float weeks; one account-wide row, or one row per
    ``sku_id``): the customer orders up to that cover; or ``week_id*`` (int) and ``cases*``
    (float), optionally per ``sku_id``: an explicit weekly sell-in.
``budget`` — one row: ``trade_budget_rmb*`` (RMB for the 13 weeks).
``diagnosis`` — one row per finding: ``flag*`` (one of :data:`DIAGNOSIS_FLAGS`, the scenario
    codes of SPEC §3.11), ``evidence_id*`` (str: the id that shows it — a ``promo_id`` such as
    ``PR00169``, an ``account_id``, a ``kam_id``, a ``sku_id``, a ``period_key`` such as
    ``FY2024-P12``, or a week as ``W098``), ``note`` (str).
``jbp_targets`` — one row: ``nr_target`` (RMB, the 13 weeks), ``nr_growth_vs_ly`` (fraction),
    ``value_share_target``, ``case_fill_target``, ``line_otif_target``, ``tts_rate_target``,
    ``woc_target`` (weeks), ``perfect_store_target`` (fractions unless stated).
``budget_allocation`` — one row per use of the trade budget: ``bucket*`` (one of
    :data:`BUDGET_BUCKETS`), ``amount_rmb*`` (RMB), ``note``.
``actions`` — execution and service actions: ``area*`` (one of :data:`ACTION_AREAS`),
    ``action*`` (str), ``owner`` (str), ``kpi`` (str), ``target`` (float), ``due_week`` (int).

File format (:meth:`Submission.to_json`, :func:`save_submission`, :func:`load_submission`):
UTF-8 JSON ::

    {"format": "kamlab.m8.submission", "version": 1, "account_id": "ACC002",
     "tables": {"promotions": {"columns": ["sku_id", ...], "data": [["SKU003", 104, ...], ...]},
                ...}}

Numbers are written with full precision (a float survives the round trip bit for bit), missing
values as ``null``. :func:`check_submission` lists every problem (one sentence each, naming the
table, row and column); :func:`validate_submission` raises them as one ``ValueError``.

>>> import pandas as pd
>>> s = Submission("ACC002", {"budget": pd.DataFrame({"trade_budget_rmb": [2_500_000.0]}),
...                          "diagnosis": pd.DataFrame({"flag": ["STUFFING"],
...                                                     "evidence_id": ["W099"]})})
>>> Submission.from_json(s.to_json()).tables["budget"].trade_budget_rmb.tolist()
[2500000.0]
>>> sorted(s.plan)
['budget']
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACTION_AREAS",
    "BUDGET_BUCKETS",
    "DIAGNOSIS_FLAGS",
    "FORMAT",
    "PLAN_TABLES",
    "SUBMISSION_TABLES",
    "TABLE_COLUMNS",
    "VERSION",
    "Submission",
    "check_submission",
    "load_submission",
    "save_submission",
    "validate_submission",
]

FORMAT = "kamlab.m8.submission"
VERSION = 1

#: The tables :func:`kamlab.sim.simulate_plan` replays (its ``plan``).
PLAN_TABLES = ("promotions", "terms", "shipments_policy", "budget")
#: Every table of a submission, in file order.
SUBMISSION_TABLES = (*PLAN_TABLES, "diagnosis", "jbp_targets", "budget_allocation", "actions")

#: Diagnosis flags: the "extensive practice" scenario codes of SPEC §3.11 a trainee may name.
DIAGNOSIS_FLAGS = (
    "STUFFING",
    "MONTH_END_PUSH",
    "PROMO_OVERSPEND",
    "COMPETITOR_PUSH",
    "SERVICE_DEPRIORITISED",
    "FORECAST_BIAS",
    "SUPPLY_SHOCK",
    "PRICE_NONCOMPLIANCE",
    "PACK_MIX_DRIFT",
    "CHANNEL_MIX_DRIFT",
    "DIVERSION",
)
#: Uses of the quarter's trade budget in ``budget_allocation``.
BUDGET_BUCKETS = (
    "PROMOTION_FUNDING",
    "DISPLAY_AND_FEATURE",
    "ON_INVOICE",
    "REBATES",
    "LISTING_AND_FEES",
    "AGED_STOCK_CLEARANCE",
    "RESERVE",
)
#: Areas of the execution/service actions.
ACTION_AREAS = ("EXECUTION", "SERVICE", "SUPPLY", "INVENTORY", "RELATIONSHIP", "PRICING")

_MECHANICS = ("TPR", "MULTIBUY", "BOGO", "GWP", "DISPLAY_ONLY", "EC_COUPON", "TRADE_DEAL")
_DISPLAYS = ("NONE", "ENDCAP", "FLOOR_STACK")
_FEATURES = ("NONE", "DM", "APP_BANNER")

#: Declared columns: table → {column: (kind, required)}; kind is "str", "int" or "float".
TABLE_COLUMNS: dict[str, dict[str, tuple[str, bool]]] = {
    "promotions": {
        "sku_id": ("str", True),
        "start_week": ("int", True),
        "end_week": ("int", True),
        "depth_pct": ("float", True),
        "mechanic": ("str", False),
        "display_type": ("str", False),
        "feature": ("str", False),
        "funding_per_case": ("float", False),
        "fixed_fee_rmb": ("float", False),
        "planned_uplift_pct": ("float", False),
        "account_id": ("str", False),
    },
    "terms": {
        "on_invoice_discount_pct": ("float", False),
        "unconditional_rebate_pct": ("float", False),
        "ec_platform_fee_pct": ("float", False),
        "logistics_allowance_pct": ("float", False),
        "endcap_fee_per_store_period": ("float", False),
        "floorstack_fee_per_store_period": ("float", False),
        "dm_fee_per_issue": ("float", False),
        "festival_fee_annual": ("float", False),
        "anniversary_fee_annual": ("float", False),
        "listing_fee_per_sku_store": ("float", False),
        "payment_terms_days": ("float", False),
        "case_fill_kpi": ("float", False),
        "otif_kpi": ("float", False),
        "otif_penalty_pct": ("float", False),
        "aged_stock_clearance_pct": ("float", False),
    },
    "shipments_policy": {
        "sku_id": ("str", False),
        "target_woc": ("float", False),
        "week_id": ("int", False),
        "cases": ("float", False),
    },
    "budget": {"trade_budget_rmb": ("float", True)},
    "diagnosis": {
        "flag": ("str", True),
        "evidence_id": ("str", True),
        "note": ("str", False),
    },
    "jbp_targets": {
        "nr_target": ("float", False),
        "nr_growth_vs_ly": ("float", False),
        "value_share_target": ("float", False),
        "case_fill_target": ("float", False),
        "line_otif_target": ("float", False),
        "tts_rate_target": ("float", False),
        "woc_target": ("float", False),
        "perfect_store_target": ("float", False),
    },
    "budget_allocation": {
        "bucket": ("str", True),
        "amount_rmb": ("float", True),
        "note": ("str", False),
    },
    "actions": {
        "area": ("str", True),
        "action": ("str", True),
        "owner": ("str", False),
        "kpi": ("str", False),
        "target": ("float", False),
        "due_week": ("int", False),
    },
}
_ONE_ROW = ("terms", "budget", "jbp_targets")
_RATE_TERMS = (
    "on_invoice_discount_pct",
    "unconditional_rebate_pct",
    "ec_platform_fee_pct",
    "logistics_allowance_pct",
    "case_fill_kpi",
    "otif_kpi",
    "otif_penalty_pct",
    "aged_stock_clearance_pct",
)


def _coerce(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Declared columns to their dtype (str → ``string``, int → ``Int64``, float → ``float64``);
    undeclared columns are kept as they are."""
    out = df.copy()
    for col, (kind, _req) in TABLE_COLUMNS[table].items():
        if col not in out.columns:
            continue
        if kind == "str":
            out[col] = out[col].astype("string")
        elif kind == "int":
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
        else:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out.reset_index(drop=True)


@dataclass
class Submission:
    """One capstone submission: the account and its tables (format in the module docstring).

    ``tables`` maps table names of :data:`SUBMISSION_TABLES` to DataFrames (a dict of columns or
    a list of row dicts is accepted and converted). ``meta`` holds free information (author,
    created_at) that is written to the file but never graded.
    """

    account_id: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.account_id, str) or not self.account_id:
            raise ValueError("account_id must be the capstone account's id, e.g. 'ACC002'.")
        unknown = sorted(set(self.tables) - set(SUBMISSION_TABLES))
        if unknown:
            raise ValueError(
                f"submission has unknown table(s) {', '.join(unknown)}; use "
                f"{', '.join(SUBMISSION_TABLES)}."
            )
        conv: dict[str, pd.DataFrame] = {}
        for name in SUBMISSION_TABLES:
            if name not in self.tables or self.tables[name] is None:
                continue
            v = self.tables[name]
            if isinstance(v, Mapping):
                scalars = all(np.isscalar(x) or x is None for x in v.values())
                v = pd.DataFrame([dict(v)]) if scalars else pd.DataFrame(dict(v))
            elif isinstance(v, list):
                v = pd.DataFrame(v)
            if not isinstance(v, pd.DataFrame):
                raise ValueError(
                    f"table {name!r} must be a DataFrame, a dict of columns or a list of rows; "
                    f"got {type(v).__name__}."
                )
            conv[name] = _coerce(v, name)
        self.tables = conv

    @property
    def plan(self) -> dict[str, pd.DataFrame]:
        """The ``plan`` argument of :func:`kamlab.sim.simulate_plan`: the non-empty plan tables,
        with missing values of optional columns left out per row (the simulator's defaults)."""
        out: dict[str, pd.DataFrame] = {}
        for name in PLAN_TABLES:
            df = self.tables.get(name)
            if df is None or df.empty:
                continue
            df = df.copy()
            # all-missing optional columns are dropped so the simulator uses its default
            for col in list(df.columns):
                if df[col].isna().all() and not TABLE_COLUMNS[name].get(col, ("", True))[1]:
                    df = df.drop(columns=col)
            for col in df.columns:
                if str(df[col].dtype) == "Int64" and df[col].notna().all():
                    df[col] = df[col].astype("int64")
                elif str(df[col].dtype) == "string":
                    df[col] = df[col].astype(object)
            out[name] = df
        return out

    # -- (de)serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of the file format."""
        tables = {}
        for name in SUBMISSION_TABLES:
            df = self.tables.get(name)
            if df is None:
                continue
            data = [[_json_value(v) for v in row] for row in df.itertuples(index=False, name=None)]
            tables[name] = {"columns": [str(c) for c in df.columns], "data": data}
        return {
            "format": FORMAT,
            "version": VERSION,
            "account_id": self.account_id,
            "meta": self.meta,
            "tables": tables,
        }

    def to_json(self, indent: int | None = 1) -> str:
        """The submission as JSON text (see the module docstring)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Submission:
        """Read the dict of :meth:`to_dict` (format and version are checked)."""
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise ValueError(
                f"this is not a capstone submission: its 'format' is {d.get('format')!r} "
                f"(expected {FORMAT!r}); write it with kamlab.analysis.m8_plan.save_submission."
            )
        if int(d.get("version", 0)) > VERSION:
            raise ValueError(
                f"the submission file has version {d.get('version')}; this kamlab reads up to "
                f"{VERSION}. Upgrade kamlab."
            )
        tables = {}
        for name, t in (d.get("tables") or {}).items():
            if not isinstance(t, Mapping) or "columns" not in t or "data" not in t:
                raise ValueError(f"table {name!r} in the file needs 'columns' and 'data'.")
            tables[name] = pd.DataFrame(t["data"], columns=t["columns"])
        return cls(str(d.get("account_id", "")), tables, dict(d.get("meta") or {}))

    @classmethod
    def from_json(cls, text: str) -> Submission:
        """Read JSON text written by :meth:`to_json`."""
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the submission is not valid JSON: {exc}.") from None
        return cls.from_dict(d)


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    return v if isinstance(v, (int, str)) else str(v)


def save_submission(submission: Submission, path: str | Path) -> Path:
    """Write ``submission`` to ``path`` (JSON, UTF-8); returns the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(submission.to_json(), encoding="utf-8")
    return p


def load_submission(path: str | Path) -> Submission:
    """Read a submission file written by :func:`save_submission`."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path {p} does not exist; save the submission first (save_submission).")
    return Submission.from_json(p.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# validation


def _num_problems(df: pd.DataFrame, table: str, col: str, lo: float, hi: float | None) -> list[str]:
    out = []
    if col not in df.columns:
        return out
    x = df[col]
    for i in np.flatnonzero(x.notna().to_numpy()):
        v = float(x.iloc[i])
        if v < lo or (hi is not None and v > hi):
            rng = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
            out.append(f"{table} row {i}: {col} = {v:g} must be {rng}.")
    return out


def check_submission(
    submission: Submission,
    *,
    weeks: range | None = None,
    skus: set[str] | None = None,
) -> list[str]:
    """Every problem of ``submission`` as a sentence (empty list = valid).

    Checks the declared columns (required ones present and filled, numbers numeric), one-row
    tables, vocabularies (flags, mechanics, displays, features, buckets, areas), ranges (depths
    0–0.5, rates 0–1, amounts ≥ 0) and, when given, that promotion and shipment weeks lie in
    ``weeks`` and SKUs in ``skus`` (the account's listed SKUs). Promotions of one SKU must not
    overlap. The simulator checks the plan again when it runs.
    """
    problems: list[str] = []
    t = submission.tables
    for name, df in t.items():
        cols = TABLE_COLUMNS[name]
        for col, (_kind, req) in cols.items():
            if req and col not in df.columns:
                problems.append(f"{name}: the required column {col!r} is missing.")
                continue
            if col not in df.columns:
                continue
            if req:
                for i in np.flatnonzero(df[col].isna().to_numpy()):
                    problems.append(f"{name} row {i}: {col} is empty; it is required.")
        if name in _ONE_ROW and len(df) > 1:
            problems.append(f"{name} must have one row; it has {len(df)}.")
    pr = t.get("promotions")
    if pr is not None and len(pr):
        problems += _num_problems(pr, "promotions", "depth_pct", 0.0, 0.5)
        for col in ("funding_per_case", "fixed_fee_rmb", "planned_uplift_pct"):
            problems += _num_problems(pr, "promotions", col, 0.0, None)
        for col, allowed in (
            ("mechanic", _MECHANICS),
            ("display_type", _DISPLAYS),
            ("feature", _FEATURES),
        ):
            if col in pr.columns:
                for i, v in enumerate(pr[col]):
                    if pd.notna(v) and str(v) not in allowed:
                        problems.append(
                            f"promotions row {i}: {col} {v!r} is not one of {', '.join(allowed)}."
                        )
        if {"start_week", "end_week"} <= set(pr.columns):
            for i, (a, b) in enumerate(zip(pr["start_week"], pr["end_week"], strict=True)):
                if pd.isna(a) or pd.isna(b):
                    continue
                if a > b:
                    problems.append(f"promotions row {i}: start_week {a} is after end_week {b}.")
                elif weeks is not None and not (weeks.start <= a and b <= weeks.stop - 1):
                    problems.append(
                        f"promotions row {i}: weeks {a}–{b} are outside the plan weeks "
                        f"{weeks.start}–{weeks.stop - 1}."
                    )
            if "sku_id" in pr.columns:
                ok = pr.dropna(subset=["sku_id", "start_week", "end_week"])
                for sku, g in ok.groupby("sku_id", sort=True):
                    g = g.sort_values("start_week")
                    ends = g["end_week"].to_numpy()
                    starts = g["start_week"].to_numpy()
                    idx = g.index.to_numpy()
                    for k in range(1, len(g)):
                        if starts[k] <= ends[:k].max():
                            problems.append(
                                f"promotions row {idx[k]}: SKU {sku} overlaps another "
                                "promotion of the same SKU; one promotion at a time per SKU."
                            )
        if skus is not None and "sku_id" in pr.columns:
            for i, s in enumerate(pr["sku_id"]):
                if pd.notna(s) and str(s) not in skus:
                    problems.append(f"promotions row {i}: SKU {s} is not listed at the account.")
        if "account_id" in pr.columns:
            for i, a in enumerate(pr["account_id"]):
                if pd.notna(a) and str(a) != submission.account_id:
                    problems.append(
                        f"promotions row {i}: account_id {a} is not {submission.account_id}."
                    )
    te = t.get("terms")
    if te is not None and len(te):
        for col in _RATE_TERMS:
            problems += _num_problems(te, "terms", col, 0.0, 1.0)
        for col in TABLE_COLUMNS["terms"]:
            if col not in _RATE_TERMS:
                problems += _num_problems(te, "terms", col, 0.0, None)
    sp = t.get("shipments_policy")
    if sp is not None and len(sp):
        has_woc = "target_woc" in sp.columns and sp["target_woc"].notna().any()
        has_cases = "cases" in sp.columns and sp["cases"].notna().any()
        if not has_woc and not has_cases:
            problems.append(
                "shipments_policy needs target_woc (order-up-to cover) or week_id and cases "
                "(explicit weekly sell-in)."
            )
        if has_woc and has_cases:
            problems.append("shipments_policy: give target_woc or week_id/cases, not both.")
        problems += _num_problems(sp, "shipments_policy", "target_woc", 0.0, None)
        problems += _num_problems(sp, "shipments_policy", "cases", 0.0, None)
        if has_cases:
            if "week_id" not in sp.columns or sp["week_id"].isna().any():
                problems.append("shipments_policy: every cases row needs its week_id.")
            elif weeks is not None:
                for i, w in enumerate(sp["week_id"]):
                    if not weeks.start <= int(w) <= weeks.stop - 1:
                        problems.append(
                            f"shipments_policy row {i}: week_id {w} is outside the plan weeks "
                            f"{weeks.start}–{weeks.stop - 1}."
                        )
        if skus is not None and "sku_id" in sp.columns:
            for i, s in enumerate(sp["sku_id"]):
                if pd.notna(s) and str(s) not in skus:
                    problems.append(
                        f"shipments_policy row {i}: SKU {s} is not listed at the account."
                    )
    bu = t.get("budget")
    if bu is not None and len(bu):
        problems += _num_problems(bu, "budget", "trade_budget_rmb", 0.0, None)
    for name, col, allowed in (
        ("diagnosis", "flag", DIAGNOSIS_FLAGS),
        ("budget_allocation", "bucket", BUDGET_BUCKETS),
        ("actions", "area", ACTION_AREAS),
    ):
        df = t.get(name)
        if df is not None and col in df.columns:
            for i, v in enumerate(df[col]):
                if pd.notna(v) and str(v) not in allowed:
                    problems.append(
                        f"{name} row {i}: {col} {v!r} is not one of {', '.join(allowed)}."
                    )
    ba = t.get("budget_allocation")
    if ba is not None and len(ba):
        problems += _num_problems(ba, "budget_allocation", "amount_rmb", 0.0, None)
        if bu is not None and len(bu) and "amount_rmb" in ba.columns:
            total, budget = float(ba["amount_rmb"].sum()), float(bu["trade_budget_rmb"].iloc[0])
            if total > budget + 0.5:
                problems.append(
                    f"budget_allocation adds up to {total:,.0f} RMB, more than the budget "
                    f"{budget:,.0f} RMB."
                )
    jt = t.get("jbp_targets")
    if jt is not None and len(jt):
        for col in ("value_share_target", "case_fill_target", "line_otif_target",
                    "tts_rate_target", "perfect_store_target"):  # fmt: skip
            problems += _num_problems(jt, "jbp_targets", col, 0.0, 1.0)
        problems += _num_problems(jt, "jbp_targets", "nr_target", 0.0, None)
        problems += _num_problems(jt, "jbp_targets", "woc_target", 0.0, None)
    return problems


def validate_submission(
    submission: Submission, *, weeks: range | None = None, skus: set[str] | None = None
) -> Submission:
    """Raise ``ValueError`` listing every problem (:func:`check_submission`); else return it."""
    problems = check_submission(submission, weeks=weeks, skus=skus)
    if problems:
        raise ValueError(
            f"the submission has {len(problems)} problem(s):\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    return submission
