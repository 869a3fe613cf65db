"""Scenario facts of the committed seed: each portfolio program shows what its paper describes."""

from __future__ import annotations

import duckdb
import pytest

from sceval.seed import GENERATED


@pytest.fixture(scope="module")
def con(seed_dir):
    c = duckdb.connect()
    for t in GENERATED:
        c.execute(f"CREATE VIEW {t} AS SELECT * FROM read_csv('{seed_dir / t}.csv')")
    yield c
    c.close()


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_six_synthetic_portfolio_programs(con):
    rows = dict(_rows(con, "SELECT program_id, name FROM programs"))
    assert set(rows) == {
        "SYN-IRQ-NTMI",
        "SYN-LBY-GPF",
        "SYN-KWT-ICIRC",
        "SYN-TUN-DCB",
        "SYN-SAHEL-TE",
        "SYN-MD-DIALOGUE",
    }
    assert all("SYNTHETIC" in name for name in rows.values())
    # Some ended years before the demo's as-of date, some run past it.
    ongoing = {
        p
        for (p,) in _rows(con, "SELECT program_id FROM programs WHERE end_date > DATE '2026-06-30'")
    }
    assert ongoing == {"SYN-KWT-ICIRC", "SYN-TUN-DCB", "SYN-MD-DIALOGUE"}


def test_iraq_matches_the_ntmi_figures(con):
    # GMF 2017: 9,000 Federal Police, 2,500 officers, 200 senior NCOs (2008-2011), 1,800 abroad.
    by_rank = dict(
        _rows(
            con,
            """SELECT rank_group, count(DISTINCT participant_id) FROM participants
                                 WHERE activity_id LIKE 'SYN-IRQ-NTMI-%' GROUP BY 1""",
        )
    )
    assert by_rank == {"enlisted": 9000, "officer": 2500, "nco": 200}
    completed = _rows(
        con,
        """SELECT count(DISTINCT participant_id) FROM participants
           WHERE activity_id LIKE 'SYN-IRQ-NTMI-%' AND completed""",
    )
    assert completed == [(11700,)]
    police = _rows(
        con,
        """SELECT count(DISTINCT p.participant_id) FROM participants p JOIN units u USING (unit_id)
                           WHERE activity_id LIKE 'SYN-IRQ-NTMI-%' AND u.service = 'police'""",
    )
    assert police == [(9000,)]
    abroad = _rows(
        con,
        """SELECT count(*), count(DISTINCT participant_id) FROM participants p
                           JOIN activities a USING (activity_id) WHERE a.title LIKE 'Out-of-country%'""",
    )
    assert abroad == [(1800, 1800)]
    span = _rows(
        con,
        """SELECT min(actual_start), max(actual_end) FROM activities
                         WHERE program_id = 'SYN-IRQ-NTMI' AND kind IN ('training', 'education')""",
    )
    assert str(span[0][0]) >= "2008-01-01" and str(span[0][1]) <= "2011-12-31"


def test_libya_shows_the_failures(con):
    lby = "activity_id LIKE 'SYN-LBY-GPF-%'"
    assert _rows(con, f"SELECT bool_or(vetted) FROM participants WHERE {lby}") == [(False,)]
    assert _rows(
        con, "SELECT DISTINCT vetting_status FROM units WHERE partner_country = 'LBY'"
    ) == [("not_vetted",)]
    # Captured by one faction: most trainees come from units of one affiliation.
    top = _rows(
        con,
        f"""SELECT max(n) / sum(n) FROM (SELECT u.affiliation, count(*) n FROM participants p
                          JOIN units u USING (unit_id) WHERE {lby} GROUP BY 1)""",
    )[0][0]
    assert top > 0.8
    # Defection and leave: follow-ups about a year after completion.
    defect, retained = _rows(
        con,
        """
        WITH done AS (SELECT participant_id, min(a.actual_end) d FROM participants p
                      JOIN activities a USING (activity_id) WHERE completed AND p.activity_id LIKE 'SYN-LBY-GPF-%'
                      GROUP BY 1)
        SELECT avg((status = 'joined_non_state_group')::int),
               avg((status IN ('serving_same_unit', 'serving_other_unit'))::int)
        FROM followups f JOIN done USING (participant_id)
        WHERE date_diff('day', d, check_date) BETWEEN 365 AND 400""",
    )[0]
    assert defect > 0.10 and retained < 0.5
    # Absorption failure: hardly any completer posted within 90 days.
    posted = _rows(
        con,
        f"""SELECT avg(coalesce(posted_within_days <= 90, false)::int) FROM participants
                            WHERE {lby} AND completed""",
    )[0][0]
    assert posted < 0.05
    # Non-state or mixed command recipients, incidents with no remediation, violence after training.
    assert (
        _rows(
            con, "SELECT count(*) FROM units WHERE partner_country = 'LBY' AND command <> 'state'"
        )[0][0]
        >= 5
    )
    assert (
        _rows(
            con,
            """SELECT count(*) FROM incidents WHERE unit_id LIKE 'LBY-%' AND remediation = 'none'
                         AND credibility IN ('credible', 'confirmed')""",
        )[0][0]
        >= 3
    )
    vac = _rows(
        con,
        """SELECT count(*) FROM events e WHERE e.event_type = 'violence_against_civilians'
                        AND e.actor_unit_id IN (SELECT unit_id FROM activities
                        WHERE program_id = 'SYN-LBY-GPF' AND status = 'delivered')
                        AND e.event_date > (SELECT min(actual_end) FROM activities WHERE program_id = 'SYN-LBY-GPF'
                        AND status = 'delivered' AND kind = 'training')""",
    )[0][0]
    assert vac >= 20
    # Lethal equipment delivered under the UN arms embargo.
    assert (
        _rows(
            con,
            """SELECT count(*) FROM equipment e JOIN context c ON c.country = 'LBY'
                         AND c.year = year(e.delivered_date) AND c.indicator = 'arms_embargo' AND c.value = 1
                         WHERE e.program_id = 'SYN-LBY-GPF' AND e.lethal""",
        )[0][0]
        >= 2
    )


def test_tunisia_is_clean_but_watched(con):
    tun = "activity_id LIKE 'SYN-TUN-DCB-%'"
    assert _rows(con, f"SELECT bool_and(vetted), count(*) > 500 FROM participants WHERE {tun}") == [
        (True, True)
    ]
    # Every supported unit cleared before the first activity that involved it.
    late = _rows(
        con,
        """SELECT count(*) FROM (
            SELECT unit_id FROM activities WHERE program_id = 'SYN-TUN-DCB' AND unit_id IS NOT NULL
            UNION SELECT unit_id FROM equipment WHERE program_id = 'SYN-TUN-DCB') s
        JOIN units u USING (unit_id)
        WHERE u.vetting_status <> 'cleared' OR u.vetting_date >= (SELECT min(actual_start) FROM activities
              WHERE program_id = 'SYN-TUN-DCB')""",
    )
    assert late == [(0,)]
    supported = """(SELECT unit_id FROM activities WHERE program_id = 'SYN-TUN-DCB' AND unit_id IS NOT NULL
                    UNION SELECT unit_id FROM participants WHERE activity_id LIKE 'SYN-TUN-DCB-%'
                    UNION SELECT unit_id FROM equipment WHERE program_id = 'SYN-TUN-DCB')"""
    assert _rows(con, f"SELECT count(*) FROM incidents WHERE unit_id IN {supported}") == [(0,)]
    assert _rows(con, f"SELECT count(*) FROM events WHERE actor_unit_id IN {supported}") == [(0,)]
    # ... while incident reporting covers Tunisia: incidents of other Tunisian units exist.
    assert _rows(
        con,
        "SELECT count(*) > 0 FROM incidents i JOIN units u USING (unit_id) WHERE u.partner_country = 'TUN'",
    ) == [(True,)]
    assert _rows(
        con,
        """SELECT min(value) FROM context WHERE country = 'TUN' AND indicator = 'incident_reporting'""",
    ) == [(1.0,)]
    assert _rows(
        con,
        "SELECT bool_and(co_designed), min(partner_cost_share) > 0 FROM activities WHERE program_id = 'SYN-TUN-DCB'",
    ) == [(True, True)]
    assert _rows(
        con, """SELECT bool_and(NOT lethal) FROM equipment WHERE program_id = 'SYN-TUN-DCB'"""
    ) == [(True,)]
    assert _rows(
        con,
        """SELECT DISTINCT finding FROM end_use_checks WHERE transfer_id LIKE 'SYN-TUN-DCB-%'""",
    ) == [("accounted",)]
    assert _rows(
        con,
        """SELECT min(participants_women) > 0 AND min(participants_youth) > 0 AND bool_and(civil_society_present)
                         FROM dialogues WHERE program_id = 'SYN-TUN-DCB'""",
    ) == [(True,)]
    defect = _rows(
        con,
        "SELECT count(*) FROM followups WHERE participant_id LIKE 'SYN-TUN-DCB-%' AND status = 'joined_non_state_group'",
    )
    assert defect == [(0,)]


def test_tunisia_treated_areas_do_not_escalate(con):
    # Difference-in-differences of events, 24 months before vs after the first course.
    did = _rows(
        con,
        """
        WITH t AS (SELECT DISTINCT admin1 FROM activities WHERE program_id = 'SYN-TUN-DCB' AND admin1 IS NOT NULL),
        t0 AS (SELECT min(actual_start) d FROM activities WHERE program_id = 'SYN-TUN-DCB')
        SELECT e.admin1 IN (SELECT admin1 FROM t) treated,
               count(*) FILTER (WHERE event_date > d) - count(*) FILTER (WHERE event_date <= d)
        FROM events e, t0 WHERE country = 'TUN' AND event_date BETWEEN d - INTERVAL 24 MONTH AND d + INTERVAL 24 MONTH
        GROUP BY 1 ORDER BY 1""",
    )
    (_, comparison), (_, treated) = did
    assert treated < comparison


def test_sahel_equipment_and_end_use(con):
    findings = {
        f
        for (f,) in _rows(
            con,
            "SELECT DISTINCT finding FROM end_use_checks WHERE transfer_id LIKE 'SYN-SAHEL-TE-%'",
        )
    }
    assert {"accounted", "partially_accounted", "diverted", "not_accessible"} <= findings
    unchecked = _rows(
        con,
        """SELECT count(*) FROM equipment e WHERE program_id = 'SYN-SAHEL-TE' AND lethal
        AND NOT EXISTS (SELECT 1 FROM end_use_checks c WHERE c.transfer_id = e.transfer_id
                        AND c.check_date <= e.delivered_date + INTERVAL 12 MONTH)""",
    )[0][0]
    assert unchecked >= 2
    assert _rows(
        con,
        "SELECT count(DISTINCT partner_country) FROM units WHERE unit_id IN (SELECT unit_id FROM equipment WHERE program_id = 'SYN-SAHEL-TE')",
    ) == [(3,)]


def test_mediterranean_dialogue_declines(con):
    per_year = _rows(
        con,
        """SELECT year(date), count(*), count(*) FILTER (WHERE level = 'ministerial')
                             FROM dialogues WHERE program_id = 'SYN-MD-DIALOGUE' AND year(date) < 2026
                             GROUP BY 1 ORDER BY 1""",
    )
    counts = [n for _, n, _ in per_year]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 3 * counts[-1]
    assert max(y for y, _, m in per_year if m) == 2008
    assert _rows(
        con,
        """SELECT avg(participants_women / participants_total) < 0.1, avg(civil_society_present::int) < 0.1
                         FROM dialogues WHERE program_id = 'SYN-MD-DIALOGUE'""",
    ) == [(True, True)]


def test_ongoing_programs_have_partial_delivery_on_the_as_of_date(con):
    rows = dict(
        _rows(
            con,
            """SELECT program_id, list(DISTINCT status ORDER BY status) FROM activities
                              WHERE program_id IN ('SYN-KWT-ICIRC', 'SYN-TUN-DCB') GROUP BY 1""",
        )
    )
    for statuses in rows.values():
        assert {"delivered", "planned"} <= set(statuses)
    assert "ongoing" in rows["SYN-KWT-ICIRC"]


def test_indicator_observations_have_sex_dimension(con, seed_dir):
    obs = duckdb.sql(
        f"SELECT count(*) FILTER (WHERE dimension = 'sex'), count(DISTINCT program_id) FROM read_csv('{seed_dir}/indicator_observations.csv')"
    ).fetchall()
    assert obs[0][0] > 0 and obs[0][1] == 6
