"""IATI adapter on the real IATI files, expected values read with plain xml.etree."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from adapter_paths import REAL

from sceval.errors import InvalidDataError, UsageError

IATI = REAL / "iati"
GDI = IATI / "iati203_gdihub_GB-COH-11126312.xml"
WB = IATI / "iati203_worldbank_44000-P175662.xml"
EXAMPLE = IATI / "iati203_activity-standard-example-annotated.xml"
LEGACY = IATI / "iati1x_globalfund_47045-ARM-202-G05-H-00.xml"


def periods_in(path: Path) -> int:
    return len(ET.parse(path).getroot().findall(".//result/indicator/period"))


def test_gdihub_every_period_loads_and_money_text_becomes_numbers(adapter_load):
    got = adapter_load(GDI, source="iati")
    root = ET.parse(GDI).getroot()
    assert got.one("SELECT count(*) FROM programs") == len(root.findall("iati-activity")) == 4
    # No dimensions in this file: one observation row per period.
    assert got.one("SELECT count(*) FROM indicator_observations") == periods_in(GDI) == 34
    # "£3,500,000" -> 3500000, "£4,721,182" -> 4721182, as written in the XML.
    rows = got.sql(
        "SELECT target, actual FROM indicator_observations WHERE program_id = ? "
        "AND indicator_id = 'iati-1.4' ORDER BY period_start",
        ["GB-COH-11126312-Cluster4"],
    )
    xml_periods = (
        [
            a
            for a in root.findall("iati-activity")
            if a.findtext("iati-identifier") == "GB-COH-11126312-Cluster4"
        ][0]
        .findall("result/indicator")[3]
        .findall("period")
    )
    expected = [
        (
            float(p.find("target").get("value").lstrip("£").replace(",", "")),
            float(p.find("actual").get("value").lstrip("£").replace(",", "")),
        )
        for p in xml_periods
    ]
    assert rows == expected
    assert rows[0] == (3_500_000.0, 4_721_182.0)
    # Raw text kept in the side file.
    side = Path(got.file()["written"]["iati-values"])
    with side.open() as fh:
        raw = {r["raw_text"] for r in csv.DictReader(fh)}
    assert "£3,500,000" in raw
    # ... and in the JSON report, beside the number.
    parsed = {(v["raw_text"], v["number"]) for v in got.file()["details"]["parsed_values"]}
    assert ("£3,500,000", 3_500_000.0) in parsed
    assert got.file()["normalised"]["number text parsed (currency £, thousands separators)"] == 6


def test_gdihub_partner_country_is_the_largest_share_and_reported(adapter_load):
    got = adapter_load(GDI, source="iati")
    # Cluster1 lists KE 10, BD 10, PH 5 ...: the first of the largest shares, alpha-2 -> ISO3.
    assert (
        got.one(
            "SELECT partner_country FROM programs WHERE program_id = 'GB-COH-11126312-Cluster1'"
        )
        == "KEN"
    )
    assert any("6 recipient countries" in n for n in got.file()["notes"])
    assert got.one("SELECT min(start_date)::VARCHAR FROM programs") == "2018-10-01"
    assert got.one("SELECT max(end_date)::VARCHAR FROM programs") == "2024-08-31"


def test_gdihub_overlapping_periods_detected(adapter_load):
    got = adapter_load(GDI, source="iati")
    expected = 0
    for ind in ET.parse(GDI).getroot().iter("indicator"):
        spans = sorted(
            (p.find("period-start").get("iso-date"), p.find("period-end").get("iso-date"))
            for p in ind.findall("period")
        )
        expected += sum(1 for a, b in zip(spans, spans[1:], strict=False) if b[0] <= a[1])
    assert expected > 0
    assert len(got.file()["details"]["overlapping_periods"]) == expected
    assert got.file()["details"]["cumulative_targets"]


def test_worldbank_qualitative_values_never_become_numbers(adapter_load):
    got = adapter_load(WB, source="iati")
    assert got.one("SELECT count(*) FROM indicator_observations") == periods_in(WB) == 14
    measures = {
        f"iati-{ri}.{ii}": ind.get("measure")
        for ri, res in enumerate(ET.parse(WB).getroot().iter("result"), start=1)
        for ii, ind in enumerate(res.findall("indicator"), start=1)
    }
    qualitative = sorted(k for k, m in measures.items() if m == "5")
    assert len(qualitative) == 10
    rows = dict(
        got.sql(
            "SELECT indicator_id, count(baseline) + count(target) + count(actual) "
            "FROM indicator_observations GROUP BY ALL"
        )
    )
    assert all(rows[k] == 0 for k in qualitative)
    # The quantitative ones (measure 1 and 2) keep their numbers: "12.00" -> 12.0.
    assert all(rows[k] > 0 for k in measures if k not in qualitative)
    texts = {v["raw_text"] for v in got.file()["details"]["qualitative_values"]}
    # "25% verifiable achievement ..." must stay text, not 25.
    assert "25% verifiable achievement of govt. CAPEX commitment towards NDC goal" in texts
    assert all(v["number"] is None for v in got.file()["details"]["qualitative_values"])
    indicators = got.file()["details"]["indicators"]
    assert {i["measure"] for i in indicators} == {"qualitative", "unit", "percentage"}
    assert {i["direction"] for i in indicators} == {"higher_is_better"}
    # The DAC sector with the largest share goes to framework.
    assert (
        got.one("SELECT framework FROM programs") == "DAC 15119 Debt and aid management"
    )  # IATI Sector codelist
    assert any("cumulative" in c["why"] for c in got.file()["details"]["cumulative_targets"])


def test_annotated_example_dimensions_baseline_and_budget(adapter_load):
    got = adapter_load(EXAMPLE, source="iati")
    assert got.sql(
        "SELECT dimension, dimension_value, baseline, target, actual, period_start::VARCHAR "
        "FROM indicator_observations"
    ) == [("sex|age", "female|adult", 10.0, 10.0, 11.0, "2013-01-01")]
    assert got.sql(
        "SELECT provider, partner_country, start_date::VARCHAR, end_date::VARCHAR, budget, currency "
        "FROM programs"
    ) == [("Organisation name", "AFG", "2012-04-28", "2015-12-31", 3000.0, "EUR")]
    assert got.file()["details"]["indicators"][0]["direction"] == "higher_is_better"


def test_iati_1x_reads_in_legacy_mode(adapter_load):
    got = adapter_load(LEGACY, source="iati")
    assert any("legacy mode" in n for n in got.file()["notes"])
    root = ET.parse(LEGACY).getroot()
    title = "Number of HIV tests performed among pregnant women"
    ind = [i for i in root.iter("indicator") if i.findtext("title").strip() == title][0]
    assert ind.find("period/target").get("value") == "20,000"
    pos = [i.findtext("title").strip() for i in root.iter("indicator")].index(title) + 1
    assert got.sql(
        "SELECT target, actual FROM indicator_observations WHERE indicator_id = ?",
        [f"iati-{pos}.1"],
    ) == [(20000.0, 24055.0)]
    assert got.one("SELECT count(*) FROM indicator_observations") == periods_in(LEGACY) == 10
    # ascending="false" sets the direction, reported per indicator.
    assert {i["direction"] for i in got.file()["details"]["indicators"]} == {"lower_is_better"}
    assert got.one("SELECT partner_country FROM programs") == "ARM"


def test_not_iati_is_refused_clearly(adapter_load, tmp_path):
    other = tmp_path / "org.xml"
    other.write_text("<iati-organisations version='2.03'/>")
    with pytest.raises(UsageError, match="not an IATI activity file"):
        adapter_load(other, source="iati")
    broken = tmp_path / "broken.xml"
    broken.write_text("<iati-activities><iati-activity>")
    with pytest.raises(InvalidDataError, match="not well-formed XML"):
        adapter_load(broken, source="iati")
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><iati-activities>&a;</iati-activities>'
    )
    with pytest.raises(InvalidDataError, match="forbidden construct"):
        adapter_load(bomb, source="iati")
    assert not (tmp_path / "wh.duckdb").exists()


def test_budget_and_dates_fall_back_when_the_activity_lacks_them(adapter_load, tmp_path):
    xml = tmp_path / "minimal.xml"
    xml.write_text(
        """<iati-activities version="2.03">
 <iati-activity default-currency="EUR">
  <iati-identifier>XM-TEST-1</iati-identifier>
  <reporting-org ref="XM-TEST"><narrative>Test donor</narrative></reporting-org>
  <title><narrative>Border police training</narrative></title>
  <recipient-country code="NE"/>
  <sector code="15210" vocabulary="1"/>
  <transaction><transaction-type code="3"/><value>1,000</value></transaction>
  <transaction><transaction-type code="4"/><value>250.5</value></transaction>
  <result type="1"><indicator measure="1" ascending="0">
   <title><narrative>Incidents at crossings</narrative></title>
   <period><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
    <target value="10"/><actual value="12"/>
    <actual value="7"><dimension name="sex" value="female"/></actual>
   </period>
  </indicator></result>
 </iati-activity>
</iati-activities>"""
    )
    got = adapter_load(xml)
    assert got.sql(
        "SELECT start_date::VARCHAR, end_date::VARCHAR, budget, currency, framework, partner_country "
        "FROM programs"
    ) == [
        (
            "2020-01-01",
            "2020-12-31",
            1250.5,
            "EUR",
            "DAC 15210 Security system management and reform",
            "NER",
        )
    ]
    assert got.sql(
        "SELECT dimension, dimension_value, target, actual FROM indicator_observations ORDER BY 1 NULLS FIRST"
    ) == [(None, None, 10.0, 12.0), ("sex", "female", None, 7.0)]
    normalised = got.file()["normalised"]
    assert normalised["budget from disbursements and expenditure (no budget element)"] == 1
    assert got.file()["details"]["indicators"][0]["direction"] == "lower_is_better"


def test_regional_activity_is_reported_not_loaded(adapter_load, tmp_path):
    xml = tmp_path / "regional.xml"
    xml.write_text(
        """<iati-activities version="2.03">
 <iati-activity>
  <iati-identifier>XM-TEST-REG</iati-identifier>
  <reporting-org ref="XM-TEST"><narrative>Test donor</narrative></reporting-org>
  <title><narrative>Sahel regional dialogue</narrative></title>
  <activity-date type="1" iso-date="2021-01-01"/><activity-date type="3" iso-date="2022-12-31"/>
  <recipient-region code="289" vocabulary="1"/>
  <budget><period-start iso-date="2021-01-01"/><period-end iso-date="2021-12-31"/>
   <value currency="USD">5000</value></budget>
  <result type="1"><indicator measure="1"><title><narrative>Meetings held</narrative></title>
   <period><period-start iso-date="2021-01-01"/><period-end iso-date="2021-12-31"/>
    <target value="4"/><actual value="3"/></period></indicator></result>
 </iati-activity>
</iati-activities>"""
    )
    got = adapter_load(xml)
    assert got.report["status"] == "loaded"
    assert got.report["rejected_by_reason"] == {
        "no recipient country (a regional or global activity); a program needs one": 1,
        "program not loaded (its activity was rejected)": 1,
    }
    assert got.file()["rejected_invalid"] == 0
    assert got.one("SELECT count(*) FROM indicator_observations") == 0
