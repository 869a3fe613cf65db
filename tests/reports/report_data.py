"""Hand-made warehouse content: programs, dialogues and one run's results, as the engine writes them."""

from __future__ import annotations

import datetime as dt

from sceval.project import Project
from sceval.runs import finish_run, start_run

EVIL = "<script>alert(1)</script>"
AS_OF = dt.date(2026, 6, 30)

PROGRAMS = [
    ("P1", "Border police training", "2024-01-01", "2027-12-31"),
    ("P2", EVIL, "2023-01-01", "2026-12-31"),
    ("MD", "Mediterranean Dialogue", "1994-12-01", "2030-12-31"),
]

# fmt: off
# (indicator, program, period_end, dimension, dimension_value, value, n, ci_low, ci_high,
#  target, target_to_date, projected_value, status, suppressed)
RESULTS = [
    ("completion_rate", "P1", "2025-06-30", None, None, 0.70, 120, 0.61, 0.78, 0.9, 0.6, 0.82, "amber", False),
    ("completion_rate", "P1", "2026-06-30", None, None, 0.80, 150, 0.73, 0.86, 0.9, 0.75, 0.88, "green", False),
    ("completion_rate", "P1", "2026-06-30", "sex", "F", 0.75, 40, 0.60, 0.86, None, None, None, "amber", False),
    ("completion_rate", "P1", "2026-06-30", "sex", "M", 0.82, 107, 0.73, 0.88, None, None, None, "green", False),
    ("completion_rate", "P1", "2026-06-30", "sex", "X", 0.67, 3, 0.2, 0.9, None, None, None, "red", False),
    ("completion_rate", "P1", "2026-06-30", "rank_group", "officer", None, None, None, None, None, None, None, "insufficient_data", True),
    ("vetting_rate", "P1", "2026-06-30", None, None, None, None, None, None, 1.0, 1.0, None, "insufficient_data", False),
    ("completion_rate", "P2", "2026-06-30", None, None, 0.40, 60, 0.28, 0.53, 0.9, 0.8, 0.45, "red", False),
    ("vetting_rate", "P2", "2026-06-30", None, None, 0.97, 4, 0.8, 1.0, 1.0, 1.0, None, "green", False),
    # two activities, not persons: shown although n < 5
    ("delivery_rate", "P2", "2026-06-30", None, None, 0.5, 2, 0.1, 0.9, 0.9, 0.8, None, "red", False),
]

FINDINGS = [
    ("diversion", "P1", None, "high", "flag", 0.12, 0.05, "12% of transferred items missing", ["T1", "T2"], "end_use_checks", False, None),
    ("vetting", "P1", "U1", "critical", "flag", 1.0, 0.0, "unit with credible incidents", ["I1"], "incidents", True, "W-1"),
    ("followup_defection", "P1", None, "critical", "flag", 3.0, 0.0, "3 trainees joined non-state groups", ["p-001", "p-002", "p-003"], "followups", False, None),
    ("embargo", "P2", None, "critical", "pass", 0.0, 0.0, "no embargo", [], None, False, None),
    ("vetting", "P2", None, "high", "insufficient_data", None, None, EVIL, [], None, False, None),
    ("governance", "P2", None, "low", "pass", 0.1, 0.5, "ok", ["ZZ-UNNAMED-1"], None, False, None),
]

SCORES = [
    # level, dimension, item, case, score, max, rating
    ("item", "pre_conditions", "awareness_interdependence", "europe", 3.0, 3.0, "High"),
    ("item", "pre_conditions", "awareness_interdependence", "africa", 3.0, 3.0, "High"),
    ("item", "pre_conditions", "restrained_violence", "europe", 3.0, 3.0, "High"),
    ("item", "pre_conditions", "restrained_violence", "africa", 1.5, 3.0, "Medium/low"),
    ("item", "conditions", "no_opposite_alliances", "europe", 3.0, 3.0, "High"),
    ("item", "conditions", "no_opposite_alliances", "africa", None, 3.0, "Unclear"),
    ("dimension", "pre_conditions", None, "europe", 1.0, 1.0, None),
    ("dimension", "pre_conditions", None, "africa", 0.75, 1.0, None),
    ("dimension", "conditions", None, "europe", 1.0, 1.0, None),
    ("dimension", "conditions", None, "africa", None, 1.0, None),
    ("overall", None, None, "europe", 1.0, 1.0, None),
    ("overall", None, None, "africa", 0.6, 1.0, None),
    ("pair_stability", None, "africa", "europe", 1.0, 1.0, "robust"),
    ("pair_stability", None, "europe", "africa", 0.0, 1.0, "robust_below"),
    ("pair_stability", "conditions", "africa", "europe", 0.5, 1.0, "fragile"),
    ("rank_stability", None, None, "europe", 1.0, 1.0, "robust"),
    ("rank_stability", None, None, "africa", 0.75, 1.0, "varies"),
    ("conclusion", None, "europe_most_advanced", "*", 1.0, 1.0, "holds"),
    ("item", "conditions", "no_opposite_alliances", "africa", 0.9, 1.0, "High"),  # from data
]
RANKS = {("overall", "europe"): 1, ("overall", "africa"): 2, ("rank_stability", "europe"): 1}
# fmt: on

# (year, level, meetings): ministerial meetings stop after 2008, frequency falls.
DIALOGUES = [
    (2006, "ministerial", 2),
    (2006, "ambassadorial", 4),
    (2007, "ministerial", 1),
    (2007, "ambassadorial", 4),
    (2008, "ministerial", 1),
    (2008, "senior_official", 3),
    (2012, "working", 2),
    (2015, "working", 1),
]


def populate(con, project: Project, *, empty: bool = False) -> str:
    """Programs, dialogues and one finished run with results; the run id."""
    con.executemany(
        "INSERT INTO programs VALUES (?, ?, 'NATO', NULL, 'TUN', 'MENA', ?, ?, 1000, 'EUR', NULL)",
        [list(p) for p in PROGRAMS],
    )
    meetings = []
    for year, level, k in DIALOGUES:
        for i in range(k):
            meetings.append([f"m{year}{level}{i}", "MD", dt.date(year, 3 + i, 1), level])
    con.executemany(
        "INSERT INTO dialogues VALUES (?, ?, ?, ?, 'multilateral', 20, 3, 1, false)", meetings
    )
    con.execute(
        "INSERT INTO loads VALUES ('l1', now()::TIMESTAMP, 'programs', 'seeds/programs.csv', "
        "'ab12cd34ef56', 3, 'csv', '0')"
    )
    run_id = start_run(con, project, command="test", as_of=AS_OF)
    if not empty:
        con.executemany(
            """INSERT INTO indicator_results (run_id, indicator_id, kind, program_id, period_start,
               period_end, dimension, dimension_value, value, n, ci_low, ci_high, unit, target,
               target_to_date, projected_value, status, suppressed, baseline)
               VALUES (?, ?, 'on_the_fly', ?, NULL, ?, ?, ?, ?, ?, ?, ?, 'proportion', ?, ?, ?, ?, ?, 0.5)""",
            [[run_id, *r] for r in RESULTS],
        )
        con.executemany(
            """INSERT INTO dnh_findings (run_id, check_id, program_id, unit_id, severity, status,
               measured_value, threshold, message, evidence, evidence_table, waived, waiver_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [[run_id, *f] for f in FINDINGS],
        )
        con.executemany(
            """INSERT INTO partnership_scores (run_id, model_id, case_id, level, dimension_id,
               item_id, score, max_score, rating_text, rank, source)
               VALUES (?, 'attina2005', ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                [
                    run_id,
                    s[3],
                    s[0],
                    s[1],
                    s[2],
                    s[4],
                    s[5],
                    s[6],
                    RANKS.get((s[0], s[3])),
                    "expert",
                ]
                for s in SCORES[:-1]
            ]
            + [[run_id, *[SCORES[-1][i] for i in (3, 0, 1, 2, 4, 5, 6)], None, "data"]],
        )
    finish_run(con, run_id)
    return run_id
