"""Unit tests of the judge's pieces: plain-data parsing, comparisons, delegation check, seeds."""

from __future__ import annotations

import json
from typing import Any

import _specs as specs
import numpy as np
import pandas as pd
import pytest

from kamlab.assess import compare as cmp
from kamlab.assess._harness import to_plain
from kamlab.assess.plain import PayloadError, Unsupported, from_plain, parse_payload
from kamlab.assess.seeds import course_secret, trainee_seed
from kamlab.assess.staticcheck import find_delegation


def _payload(value, *, nonce="n" * 32, item="X-T1", ok=True) -> str:
    res = (
        {"ok": True, "value": to_plain(value)}
        if ok
        else {"ok": False, "error": "KeyError", "message": "m"}
    )
    return json.dumps({"nonce": nonce, "item": item, "status": "ok", "results": {"h1": res}})


def test_forged_objects_become_plain_values() -> None:
    class Liar:
        def __eq__(self, other):
            return True

    class LyingFloat(float):
        def __eq__(self, other):
            return True

    class NpLiar(np.float64):
        def __eq__(self, other):
            return True

    assert to_plain(Liar()) == {"__unsupported__": "Liar"}
    assert type(to_plain(LyingFloat(2.5))) is float and to_plain(LyingFloat(2.5)) == 2.5
    assert type(to_plain(NpLiar(1.5))) is float
    assert to_plain(np.int64(3)) == 3 and to_plain(np.bool_(True)) is True
    ans = parse_payload(_payload(Liar()), nonce="n" * 32, item_id="X-T1").cases["h1"]
    assert isinstance(ans.value, Unsupported)
    assert cmp.number(atol=1)(ans.value, 1.0).credit == 0.0


def test_payload_parsing_is_strict() -> None:
    good = _payload(1.5)
    assert parse_payload(good, nonce="n" * 32, item_id="X-T1").cases["h1"].value == 1.5
    with pytest.raises(PayloadError):
        parse_payload(good, nonce="m" * 32, item_id="X-T1")  # another run's payload
    with pytest.raises(PayloadError):
        parse_payload(good, nonce="n" * 32, item_id="X-T2")
    with pytest.raises(PayloadError):
        parse_payload('{"nonce": NaN}', nonce="n" * 32, item_id="X-T1")
    with pytest.raises(PayloadError):
        parse_payload("[" * 100000 + "]" * 100000, nonce="n" * 32, item_id="X-T1")
    with pytest.raises(PayloadError):
        from_plain({"__frame__": {"columns": ["a"], "index": [0, 1], "data": [[1]]}})
    with pytest.raises(PayloadError):
        from_plain({"__map__": [[1, 2]], "__set__": []})


def test_frames_and_series_round_trip() -> None:
    df = pd.DataFrame({"step": ["GS", "NR"], "amount": [10.0, 8.5]})
    back = from_plain(json.loads(json.dumps(to_plain(df))))
    assert list(back.columns) == ["step", "amount"] and back["amount"].tolist() == [10.0, 8.5]
    s = pd.Series({"gs": 1.0, "nr": 0.5}, name="x")
    assert cmp.mapping(rtol=1e-9)(from_plain(to_plain(s)), {"gs": 1.0, "nr": 0.5}).passed


def test_comparators_follow_the_spec_tolerances() -> None:
    assert cmp.number(atol=0.0005)(0.1536, 0.1531).passed
    assert not cmp.number(atol=0.0005)(0.1537, 0.1531).passed
    assert not cmp.number(atol=1)(True, 1.0).passed  # bool is not a number
    assert cmp.number(rtol=1e-6)(float("nan"), float("nan")).passed
    assert cmp.mapping(rtol=1e-6, atol=1.0)({"a": 100.5}, {"a": 100.0}).passed
    assert (
        cmp.mapping(keys=["a", "b"], ordered=True)({"b": 1, "a": 1}, {"a": 1, "b": 1}).reason
        == "wrong_keys"
    )
    assert cmp.choice()(" acc001 ", "ACC001").passed
    assert cmp.f1()([1, 2, 3, 4], [1, 2, 3, 4, 5]).credit == 1.0  # F1 0.889
    assert cmp.f1()([1, 2, 3], [1, 2, 3, 4, 5]).credit == 0.5  # F1 0.75: half credit
    assert cmp.f1()([1, 2], [1, 2, 3, 4, 5]).credit == 0.0  # F1 0.571 < 0.6
    assert cmp.f1()([1], [1, 2, 3, 4, 5]).credit == 0.0
    assert cmp.proportional(step=0.5)(4, [1, 1, 1, 0]) == 3.0
    assert cmp.proportional(step=1)(4, [1, 1, 0.5]) == 3.0
    assert cmp.all_or_nothing()(2, [1, 1, 0.99]) == 0.0


def test_delegation_check_sees_through_aliases_and_strings() -> None:
    assert (
        find_delegation(
            "import kamlab\nw = kamlab.load_world()\nfrom kamlab.assess.student import check\n"
        )
        == []
    )
    names = lambda src: [f.name for f in find_delegation(src)]  # noqa: E731
    assert "kamlab.metrics.account_pnl" in names(
        "import kamlab.metrics as km\nkm.account_pnl(1,0,0,0,0)"
    )
    assert names("import kamlab\nx = kamlab.metrics.pnl") == ["kamlab.metrics.pnl"]
    assert names("from kamlab import metrics") == ["kamlab.metrics"]
    assert "kamlab.metrics" in names(
        "import importlib\nm = importlib.import_module('kamlab.metrics')"
    )
    assert "<computed import>" in names(
        "import importlib\nm = importlib.import_module('kam' + 'lab.metrics')"
    )
    assert names("exec(open('/work/main/kamlab/metrics/pnl.py').read())") == ["kamlab.metrics"]
    assert "kamlab.<getattr>" in names("import kamlab\ngetattr(kamlab, 'metr' + 'ics')")
    assert names('"""I did not use kamlab.metrics here."""\nx = 1') == []  # a docstring is not code
    assert names("%time x = 1\nimport kamlab.sim") == ["kamlab.sim"]  # IPython syntax is understood


def test_secret_seeds(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("KAMLAB_COURSE_SECRET", raising=False)
    s1 = course_secret(tmp_path)
    assert (tmp_path / ".course_secret").stat().st_mode & 0o777 == 0o600
    assert course_secret(tmp_path) == s1  # created once, then reused
    seeds = {trainee_seed(s1, "M1", f"t{i}") for i in range(200)}
    assert len(seeds) == 200  # no two trainees share hidden worlds
    assert trainee_seed(s1, "M1", "t1") != trainee_seed(s1, "M2", "t1")
    assert trainee_seed(b"other-secret-value", "M1", "t1") != trainee_seed(s1, "M1", "t1")
    monkeypatch.setenv("KAMLAB_COURSE_SECRET", "from-the-environment-123")
    assert course_secret(tmp_path) == b"from-the-environment-123"


@pytest.mark.parametrize("spec", specs.ALL, ids=lambda s: s.id)
def test_committed_notebook_matches_its_builder(spec: specs.Spec) -> None:
    """Every committed source notebook (M1–M8) is what its builder makes now: the same cells,
    sources and nbgrader metadata (outputs and other metadata may differ)."""

    def cells(nb: Any) -> list[tuple[str, str, Any]]:
        return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]

    assert cells(spec.committed_notebook()) == cells(spec.build_notebook()), (
        f"run: {spec.rebuild_command}"
    )


def test_relabel_changes_every_id_and_keeps_the_numbers() -> None:
    from kamlab.assess.variants import relabel
    from kamlab.sim import SimConfig, simulate

    w = simulate(SimConfig.preset("small", seed=23))
    v = relabel(w, "account_id", seed=5)
    old = w.sell_in.groupby(w.sell_in["account_id"].astype(str))["gross_sales"].sum()
    new = v.sell_in.groupby(v.sell_in["account_id"].astype(str))["gross_sales"].sum()
    assert sorted(old.round(2)) == sorted(new.round(2))
    assert set(old.index) == set(new.index)
    assert all(old[a] != new[a] for a in old.index)


def test_pooled_item_feedback_explains_the_pooling_and_lists_only_failed_parts() -> None:
    from kamlab.assess.judge import CaseResult, ItemResult
    from kamlab.assess.messages import item_feedback_text

    parts = [CaseResult(f"h{i}", "fresh_world", f"ACC001 SKU00{i}", 0.97, "partly_right")
             for i in range(3)]  # fmt: skip
    parts.append(CaseResult("h3", "fresh_world", "ACC002 SKU004", 0.0, "raised"))
    res = ItemResult("M5-T1", "function", 5.0, 5.0, "judged", hidden=parts, notes=["pooled"])
    text = item_feedback_text(res, None, lang="en")
    assert "pooled into one measure" in text
    assert "hidden checks passed" not in text
    assert "ACC002 SKU004" in text and "ACC001" not in text
    plain = ItemResult("M5-T2", "function", 3.0, 2.0, "judged", hidden=parts)
    assert "hidden checks passed: 0 of 4" in item_feedback_text(plain, None, lang="en")
