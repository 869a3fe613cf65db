"""Issue 16: no current state is missing from the Gleditsch-Ward to ISO 3166-1 table."""

from __future__ import annotations

import csv

import pytest
from adapter_paths import SHARED_REAL

from sceval.adapters.countries import gw_table, iso3_from_gw

CONFLICT = SHARED_REAL / "conflict"
# Current GW entities that have no ISO 3166-1 alpha-3 code (Kosovo: issue 23 gives it the
# user-assigned XKX; the others are not in ISO 3166-1 at all).
NO_ISO = {347: "Kosovo", 396: "Abkhazia", 397: "South Ossetia"}


def current_gw_codes() -> dict[int, str]:
    """Every GW code the shared real files use for a state existing at their last year."""
    if not CONFLICT.is_dir():
        pytest.skip("shared/data/real is not beside this checkout")
    out: dict[int, str] = {}
    with (CONFLICT / "gw_states.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["enddate"] >= "2017-12-31":  # the list's last day: still a state
                out[int(r["gwcode"])] = r["statename"]
    last: dict[int, int] = {}
    with (CONFLICT / "powell_thyne_coups_gw_years.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            last[int(r["gwcode"])] = max(last.get(int(r["gwcode"]), 0), int(r["year"]))
    with (CONFLICT / "ucdp_acd_conflict_years.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            for col in ("gwno_a", "gwno_b"):
                for code in (r[col] or "").split(","):
                    if code.strip():
                        g = int(code.strip())
                        last[g] = max(last.get(g, 0), int(r["year"]))
    top = max(last.values())
    out.update({g: f"GW {g}" for g, year in last.items() if year >= top - 1 and g not in out})
    return out


def test_every_current_state_maps_to_iso3():
    codes = current_gw_codes()
    assert len(codes) >= 190
    missing = {g: n for g, n in codes.items() if iso3_from_gw(g) is None and g not in NO_ISO}
    assert missing == {}


def test_vanuatu_is_in_the_table():
    assert iso3_from_gw(935) == "VUT"
    assert gw_table()[935] == "VUT"


def test_coups_rows_of_vanuatu_load(adapter_load, tmp_path):
    # Three hand-made rows: Vanuatu's 2024 and 2025 (no coup) and Tibet 1950 (no ISO3).
    path = tmp_path / "powell_thyne_coups_gw_years.csv"
    path.write_text(
        "gwcode,year,pt_attempt,pt_attempt_num,pt_coup_num,pt_failed_num\n"
        "935,2024,0,0,0,0\n935,2025,0,0,0,0\n711,1950,0,0,0,0\n",
        encoding="utf-8",
    )
    got = adapter_load(path, source="coups")
    assert got.one("SELECT count(DISTINCT year) FROM context WHERE country = 'VUT'") == 2
    # Listed with its name (issue 23): "711 Tibet".
    assert set(got.file()["codes_not_recognised"]["Gleditsch-Ward code"]) == {"711 Tibet"}
