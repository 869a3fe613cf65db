"""What the adapters store passes the contracts engine (`sceval validate`'s rules, GX + SQL)."""

from __future__ import annotations

import duckdb
import pytest
from adapter_paths import REAL

from sceval.contracts import validate_paths


@pytest.mark.slow
def test_adapter_output_passes_contract_validation(adapter_load, project, tmp_path):
    db = tmp_path / "wh.duckdb"
    adapter_load(REAL / "fmtr_fy2020_excerpt.csv", accept_partial=True, db=db)
    adapter_load(REAL / "iati" / "iati203_gdihub_GB-COH-11126312.xml", db=db)
    adapter_load(REAL / "iati" / "iati1x_globalfund_47045-ARM-202-G05-H-00.xml", db=db)
    adapter_load(REAL / "ucdp_ged_myanmar_excerpt.csv", db=db)
    adapter_load(REAL / "wgi_excerpt.csv", db=db)
    adapter_load(REAL / "powell_thyne_coups_excerpt.csv", db=db)
    out = tmp_path / "tables"
    out.mkdir()
    tables = ["programs", "activities", "units", "events", "context", "indicator_observations"]
    with duckdb.connect(str(db), read_only=True) as con:
        for t in tables:
            assert con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] > 0, t
            con.execute(f"COPY {t} TO '{out / (t + '.csv')}' (HEADER)")
    report = validate_paths([out], project)
    assert report.ok, report.first_failure()
