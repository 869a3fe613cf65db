"""WGI, V-Dem, SIPRI TIV, coups and UCDP ACD excerpts into `context`; expected from DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from adapter_paths import REAL


def csv_sql(name: str, q: str):
    return duckdb.sql(q.replace("{F}", f"read_csv('{REAL / name}', all_varchar=true)")).fetchall()


def test_wgi_estimates_and_standard_errors_as_series(adapter_load):
    got = adapter_load(REAL / "wgi_excerpt.csv", source="wgi")
    rle, rls = csv_sql(
        "wgi_excerpt.csv", "SELECT rle, rls FROM {F} WHERE code='MMR' AND year='2021'"
    )[0]
    assert got.sql(
        "SELECT indicator, value FROM context WHERE country='MMR' AND year=2021 "
        "AND indicator IN ('wgi_rule_of_law', 'wgi_rule_of_law_se') ORDER BY 1"
    ) == [("wgi_rule_of_law", float(rle)), ("wgi_rule_of_law_se", float(rls))]
    # Legacy World Bank codes normalised: ROM -> ROU, ZAR -> COD; Kosovo's KSV to the
    # user-assigned XKX the project declares; the Netherlands Antilles (a former territory)
    # is listed by name as not recognised.
    countries = {r[0] for r in got.sql("SELECT DISTINCT country FROM context")}
    assert {"ROU", "COD", "MMR", "USA", "XKX"} <= countries
    assert not countries & {"ROM", "ZAR", "KSV", "ANT"}
    assert got.file()["codes_not_recognised"]["WGI country code"] == {
        "ANT / Netherlands Antilles (former)": 23
    }
    normalised = got.file()["normalised"]
    assert normalised["WGI country code KSV (Kosovo) to the user-assigned code XKX"] == 23
    # Every non-empty cell of a mapped country is one row (missing is not zero).
    cols = [c for c in csv_sql("wgi_excerpt.csv", "DESCRIBE SELECT * FROM {F}")]
    value_cols = [c[0] for c in cols if c[0] not in ("code", "countryname", "year")]
    expected = sum(
        csv_sql(
            "wgi_excerpt.csv",
            f"SELECT count(\"{c}\") FROM {{F}} WHERE code <> 'ANT'",
        )[0][0]
        for c in value_cols
    )
    assert got.one("SELECT count(*) FROM context") == expected
    assert got.file()["loaded"] == {"context": expected}


def test_vdem_series_and_historic_states(adapter_load):
    got = adapter_load(REAL / "vdem_excerpt.csv", source="vdem")
    rol, corr = csv_sql(
        "vdem_excerpt.csv",
        "SELECT v2xcl_rol, v2x_pubcorr FROM {F} WHERE country_text_id='MMR' AND year='2015'",
    )[0]
    assert dict(
        got.sql(
            "SELECT indicator, value FROM context WHERE country='MMR' AND year=2015 "
            "AND indicator IN ('vdem_rule_of_law', 'vdem_public_corruption')"
        )
    ) == {"vdem_rule_of_law": float(rol), "vdem_public_corruption": float(corr)}
    unmapped = csv_sql(
        "vdem_excerpt.csv", "SELECT count(*) FROM {F} WHERE country_text_id = 'DDR'"
    )[0][0]
    assert got.file()["rejected_unmapped"] == unmapped == 23
    # Kosovo (XKX, GW 347) is the project's declared user-assigned code: its 16 years load.
    assert got.one("SELECT count(DISTINCT year) FROM context WHERE country = 'XKX'") == 16
    assert got.file()["codes_not_recognised"]["V-Dem country"] == {
        "DDR / 265 / German Democratic Republic": 23
    }
    assert got.file()["rejected_invalid"] == 0


def test_sipri_inflow_per_recipient_year(adapter_load):
    got = adapter_load(REAL / "sipri_tiv_excerpt.csv", source="sipri-tiv")
    expected = dict(
        (int(y), float(v))
        for y, v in csv_sql(
            "sipri_tiv_excerpt.csv",
            "SELECT year, sum(value::DOUBLE) FROM {F} WHERE recipient='Myanmar' GROUP BY 1",
        )
    )
    assert (
        dict(
            got.sql(
                "SELECT year, value FROM context WHERE country='MMR' AND indicator='sipri_arms_imports_tiv'"
            )
        )
        == expected
    )
    by_reason = got.file()["rejected_by_reason"]
    nonstate = csv_sql(
        "sipri_tiv_excerpt.csv",
        "SELECT count(*) FROM {F} WHERE recipient LIKE '%*' AND recipient NOT LIKE '%**'",
    )[0][0]
    orgs = csv_sql("sipri_tiv_excerpt.csv", "SELECT count(*) FROM {F} WHERE recipient LIKE '%**'")[
        0
    ][0]
    assert by_reason["recipient is a non-state actor, not a country"] == nonstate > 0
    assert by_reason["recipient is an international organisation, not a country"] == orgs > 0
    assert "Soviet Union" in got.file()["codes_not_recognised"]["SIPRI recipient"]


def test_coups_gw_codes_to_iso3(adapter_load):
    got = adapter_load(REAL / "powell_thyne_coups_excerpt.csv", source="coups")
    # Myanmar's 2021 coup.
    assert got.one(
        "SELECT value FROM context WHERE country='MMR' AND year=2021 AND indicator='coup_attempts'"
    ) == float(
        csv_sql(
            "powell_thyne_coups_excerpt.csv",
            "SELECT pt_attempt_num FROM {F} WHERE gwcode='775' AND year='2021'",
        )[0][0]
    )
    # GW 260 (German Federal Republic) and 255 (Germany) share 1990: one DEU row, summed.
    assert (
        got.one(
            "SELECT count(*) FROM context WHERE country='DEU' AND year=1990 AND indicator='coup_attempts'"
        )
        == 1
    )
    # Monaco (GW microstate 221) maps; the German Democratic Republic (265) does not.
    assert got.one("SELECT count(*) FROM context WHERE country='MCO'") > 0
    assert (
        "265 German Democratic Republic"
        in got.file()["codes_not_recognised"]["Gleditsch-Ward code"]
    )


def test_ucdp_acd_conflict_years(adapter_load):
    got = adapter_load(REAL / "ucdp_acd_excerpt.csv", source="ucdp-acd")
    expected = dict(
        (int(y), float(n))
        for y, n in csv_sql(
            "ucdp_acd_excerpt.csv",
            "SELECT year, count(DISTINCT conflict_id) FROM {F} WHERE gwno_a='775' GROUP BY 1",
        )
    )
    assert (
        dict(
            got.sql(
                "SELECT year, value FROM context WHERE country='MMR' AND indicator='ucdp_armed_conflicts'"
            )
        )
        == expected
    )
    assert "817 Vietnam, Republic of" in got.file()["codes_not_recognised"]["Gleditsch-Ward code"]


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("wgi_excerpt.csv", "wgi"),
        ("vdem_excerpt.csv", "vdem"),
        ("sipri_tiv_excerpt.csv", "sipri-tiv"),
        ("powell_thyne_coups_excerpt.csv", "coups"),
        ("ucdp_acd_excerpt.csv", "ucdp-acd"),
        ("ucdp_ged_myanmar_excerpt.csv", "ucdp-ged"),
        ("fmtr_fy2020_excerpt.csv", "fmtr"),
        ("gw_states_excerpt.csv", "gw-states"),
        ("iati_codelist_IndicatorMeasure.csv", "iati-codelist"),
        ("iati/iati203_gdihub_GB-COH-11126312.xml", "iati"),
    ],
)
def test_detect_source_from_the_file(name, source):
    from sceval.adapters import detect_source

    assert detect_source(REAL / name) == source


def test_reference_tables_store_nothing(adapter_load):
    got = adapter_load(REAL / "gw_states_excerpt.csv")
    assert got.file()["loaded"] == {}
    assert any("nothing stored" in n for n in got.file()["notes"])


def test_wgi_long_and_databank_layouts(adapter_load, tmp_path):
    long = tmp_path / "wgidataset.csv"
    long.write_text(
        "codeindyr,code,countryname,year,indicator,estimate,stddev,nsource,pctrank,pctranklower,pctrankupper\n"
        "MMRrl2022,MMR,Myanmar,2022,rl,-1.5,0.2,8,5.2,2.1,9.4\n"
        "MMRcc2022,MMR,Myanmar,2022,cc,-1.4,..,8,6.1,..,..\n"
        "ROMrl2022,ROM,Romania,2022,rl,0.4,0.15,10,60.1,55,65\n"
    )
    got = adapter_load(long)  # detected from its header
    assert got.file()["source"] == "wgi"
    assert dict(
        got.sql(
            "SELECT indicator, value FROM context WHERE country='MMR' AND indicator LIKE '%_se'"
        )
    ) == {"wgi_rule_of_law_se": 0.2}
    # ".." is missing, not a row; 6 + 3 + 6 values.
    assert got.one("SELECT count(*) FROM context") == 15
    assert got.one("SELECT DISTINCT country FROM context WHERE country <> 'MMR'") == "ROU"
    bank = tmp_path / "databank.csv"
    bank.write_text(
        "Country Name,Country Code,Series Name,Series Code,2021 [YR2021],2022 [YR2022]\n"
        "Myanmar,MMR,Rule of Law: Estimate,RL.EST,-1.3,-1.5\n"
        "Myanmar,MMR,Rule of Law: Standard Error,RL.STD.ERR,0.19,0.2\n"
        "Myanmar,MMR,GDP (current US$),NY.GDP.MKTP.CD,1,2\n"
    )
    got = adapter_load(bank, source="wgi", db=tmp_path / "b.duckdb")
    assert got.sql("SELECT year, indicator, value FROM context ORDER BY ALL") == [
        (2021, "wgi_rule_of_law", -1.3),
        (2021, "wgi_rule_of_law_se", 0.19),
        (2022, "wgi_rule_of_law", -1.5),
        (2022, "wgi_rule_of_law_se", 0.2),
    ]
    assert got.file()["rejected_by_reason"] == {"not a WGI series": 2}


def test_coup_event_file_counts_per_country_year(adapter_load, tmp_path):
    events = tmp_path / "powell_thyne_coups_final.txt"
    events.write_text(
        "country\tccode\tyear\tmonth\tday\tcoup\n"
        "Myanmar\t775\t2021\t2\t1\t2\n"
        "Burkina Faso\t439\t2022\t1\t24\t2\n"
        "Burkina Faso\t439\t2022\t9\t30\t2\n"
        "Burkina Faso\t439\t2022\t10\t1\t1\n"
    )
    got = adapter_load(events)
    assert dict(
        got.sql("SELECT indicator, value FROM context WHERE country='BFA' AND year=2022")
    ) == {"coup_attempts": 3.0, "coups_successful": 2.0, "coups_failed": 1.0}
    assert (
        got.one("SELECT value FROM context WHERE country='MMR' AND indicator='coups_successful'")
        == 1.0
    )
