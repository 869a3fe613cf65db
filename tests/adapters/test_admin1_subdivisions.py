"""Issue 16: UCDP admin1 names matched through ISO 3166-2 subdivisions, with declared aliases."""

from __future__ import annotations

from sceval.adapters.subdivisions import admin1_code, area_key


def test_names_match_subdivision_codes():
    # Old and new forms of one area (the 2008 renaming) meet through MM-02 and MM-13.
    assert admin1_code("MMR", "Bago division") == "MM-02"
    assert admin1_code("MMR", "Bago region") == "MM-02"
    assert admin1_code("MMR", "Magway  region") == "MM-03"
    assert admin1_code("MMR", "Kayin state") == "MM-13"
    assert admin1_code("MMR", "Karen state") == "MM-13"  # declared alias
    assert admin1_code("MMR", "Naypyidaw Union territory") == "MM-18"  # declared alias
    assert admin1_code("LBY", "Banghāzī") == "LY-BA"  # ISO's own spelling, accents folded
    assert admin1_code("MMR", "Atlantis region") is None
    assert area_key("MMR", "Atlantis region") == area_key("MMR", "Atlantis division")


HEADER = "id,type_of_violence,date_start,date_prec,where_prec,best,side_a,side_b,country,adm_1\n"
ROWS = [
    ("1", "Bago region"),
    ("2", "Bago region"),
    ("3", "Bago division"),
    ("4", "Kayin state"),
    ("5", "Karen state"),
    ("6", "Atlantis region"),
]


def test_ucdp_admin1_spellings_merge_by_subdivision_and_unmatched_are_reported(
    adapter_load, tmp_path
):
    path = tmp_path / "ged.csv"
    path.write_text(
        HEADER
        + "".join(
            f"{i},1,2020-01-0{i},1,2,1,Government of Myanmar (Burma),KNU,Myanmar (Burma),{a}\n"
            for i, a in ROWS
        ),
        encoding="utf-8",
    )
    got = adapter_load(path, source="ucdp-ged")
    assert got.sql("SELECT admin1, count(*) FROM events GROUP BY 1 ORDER BY 1") == [
        ("Atlantis region", 1),
        ("Bago region", 3),
        ("Kayin state", 2),
    ]
    report = got.file()
    assert report["codes_not_recognised"]["admin1 matching no ISO 3166-2 subdivision"] == {
        "MMR Atlantis region": 1
    }
    assert report["details"]["admin1_iso_3166_2"] == {
        "Bago region": "MM-02",
        "Kayin state": "MM-13",
    }
