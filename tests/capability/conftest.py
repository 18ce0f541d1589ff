"""A tiny framework whose numbers are easy to compute by hand.

Items (assignment: item level points weights)::

    X: A1 L1 2pt C1 1.0 | A2 L2 4pt C1 .5 C2 .5
    Y: A3 L2 1pt C1 1.0 | B1 L3 4pt C1 1.0 | B2 L1 2pt C2 1.0
    Z: Z1 L4 2pt C2 .8 C1 .2 | MN L3 3pt C2 1.0 (MANUAL)

Item-bank evidence: C1 L1 2, L2 3, L3 4, L4 0.4 → max evidenced 3;
C2 L1 2, L2 2, L3 3, L4 1.6 → max evidenced 3.
Roles JR (1) < SR (2) < LEAD (3); targets JR 1/1, SR 2/2, LEAD 4/4 (capped to 3/3).
Critical positions: role LEAD, owners of tier-A accounts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kamlab.data.framework import Framework, load_framework

FILES = {
    "competencies.csv": """competency_id,name_en,name_cn,source_modules,external_anchor
C1,Analysis,分析,X|Y,test
C2,Relations,关系,X|Y|Z,test
""",
    "proficiency_levels.csv": """level,name_en,name_cn,description_en,description_cn
1,Foundation,基础,a,a
2,Practitioner,熟练,b,b
3,Advanced,高级,c,c
4,Expert,专家,d,d
""",
    "level_descriptors.csv": """competency_id,level,descriptor_en,descriptor_cn
C1,1,reads numbers,读数
C1,2,explains numbers,解释
C1,3,diagnoses accounts,诊断
C1,4,coaches analysts,辅导
C2,1,knows contacts,联系人
C2,2,runs reviews,回顾
C2,3,plans relationships,关系计划
C2,4,sponsors partnerships,发起合作
""",
    "role_ladder.csv": """role_level,rank,name_en,name_cn,note_en
JR,1,Junior,初级,
SR,2,Senior,高级,
LEAD,3,Lead,主管,
""",
    "role_targets.csv": """role_level,competency_id,target_level
JR,C1,1
JR,C2,1
SR,C1,2
SR,C2,2
LEAD,C1,4
LEAD,C2,4
""",
    "assessment_items.csv": """item_id,module,assignment,notebook,max_points,level,item_type
A1,X,X,X_nb,2,1,NUMERIC
A2,X,X,X_nb,4,2,FUNCTION
A3,Y,Y,Y_nb,1,2,CHOICE
B1,Y,Y,Y_nb,4,3,FUNCTION
B2,Y,Y,Y_nb,2,1,NUMERIC
Z1,Z,Z,Z_nb,2,4,OPTIMIZATION
MN,Z,Z,Z_nb,3,3,MANUAL
""",
    "item_competency_map.csv": """item_id,competency_id,weight
A1,C1,1
A2,C1,0.5
A2,C2,0.5
A3,C1,1
B1,C1,1
B2,C2,1
Z1,C2,0.8
Z1,C1,0.2
MN,C2,1
""",
    "critical_positions.csv": """rule_id,rule_type,value,description_en,description_cn
R1,ROLE,LEAD,lead,主管
R2,ACCOUNT_TIER,A,tier A owner,A类客户负责人
""",
}


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Framework:
    folder: Path = tmp_path_factory.mktemp("tiny_fw")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_framework(folder)


def scores(rows: list[tuple]) -> pd.DataFrame:
    """rows of (person, item, score[, attempt]); max_score from the tiny bank."""
    pts = {"A1": 2, "A2": 4, "A3": 1, "B1": 4, "B2": 2, "Z1": 2, "MN": 3}
    out = []
    for r in rows:
        person, item, score = r[:3]
        attempt = r[3] if len(r) > 3 else 1
        out.append(
            {
                "person_id": person,
                "item_id": item,
                "attempt": attempt,
                "score": float(score),
                "max_score": float(pts.get(item, 1)),
                "graded_at": pd.Timestamp("2024-03-01") + pd.Timedelta(days=7 * attempt),
            }
        )
    return pd.DataFrame(out)
