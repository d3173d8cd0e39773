"""Registry schema and validation: curated records, and each kind of malformed record."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from labourlink.cli import app
from labourlink.governance.registry import (
    Registry,
    RegistryError,
    expand_party,
    load_curated,
    read_curated,
    validate_records,
)
from labourlink.governance.schema import PROVISIONS, Instrument, PartialDate

GOOD = {
    "id": "toy-mou",
    "name": "Toy MoU",
    "level": "bilateral",
    "kind": "mou",
    "legal_nature": "non_binding",
    "parties": ["PHL", "JPN"],
    "senders": ["PHL"],
    "receivers": ["JPN"],
    "signed": "2019-03-25",
    "in_force": "2019-04",
    "provisions": {"recruitment_regulation": True},
    "sources": [{"title": "t", "publisher": "p", "year": 2019, "address": "example.org"}],
    "confidence": "high",
}


def test_curated_records_all_valid() -> None:
    raw = read_curated()
    recs, errors = validate_records(raw)
    assert errors == []
    assert len(recs) == len(raw) >= 25
    reg = load_curated()
    ids = {r.id for r in reg}
    for needed in ("colombo-process", "abu-dhabi-dialogue", "bali-process",
                   "asean-cebu-declaration", "asean-consensus-2017", "asean-mra-nursing",
                   "apec-business-travel-card", "nz-recognised-seasonal-employer",
                   "au-palm-scheme", "kor-employment-permit-system", "jpn-ssw-moc-khm",
                   "jpepa-mnp", "ijepa-mnp", "gats-mode4", "global-compact-migration"):
        assert needed in ids


def test_every_party_resolves_and_dates_ordered() -> None:
    from labourlink.countries import country_table, groups

    iso3 = set(country_table()["iso3"])
    grp = set(groups())
    for r in load_curated():
        assert r.sources, r.id
        for code in [*r.parties, *r.senders, *r.receivers, *r.party_since]:
            assert code in iso3 or code in grp, (r.id, code)
            assert expand_party(code)
        ds = [d for d in (r.signed, r.in_force, r.ended) if d is not None]
        assert all(a.value <= b.last_day() for a, b in zip(ds, ds[1:], strict=False)), r.id


def test_curated_facts_match_seed() -> None:
    reg = load_curated()
    assert reg.get("asean-consensus-2017").signed == PartialDate.model_validate("2017-11-14")
    assert reg.get("jpepa-mnp").in_force.value == date(2008, 12, 11)
    rse = reg.get("nz-recognised-seasonal-employer")
    assert rse.quota == 20750 and rse.in_force.precision == "month"
    assert rse.party_since["FJI"].year == 2014
    assert len(reg.get("kor-employment-permit-system").senders) == 16
    assert len(reg.get("colombo-process").parties) == 12
    # uncertain facts are marked
    assert "signed" in reg.get("jpn-ssw-moc-idn").uncertain
    assert reg.get("jpn-ssw-mocs-planned").signed is None


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"parties": ["PHL", "ZZZ"]}, "parties[1]", "unknown party 'ZZZ'"),
        ({"receivers": ["KOR"], "parties": ["PHL", "JPN"]}, "receivers[0]", "not among the parties"),
        ({"signed": "2019-13-01"}, "signed", "invalid date"),
        ({"signed": "March 2019"}, "signed", "expected a date"),
        ({"signed": "2020", "in_force": "2019-04"}, "in_force", "before signed"),
        ({"provisions": {"visa_waiver": True}}, "provisions.visa_waiver", "unknown provision"),
        ({"sources": []}, "sources", "at least 1"),
        ({"sources": None}, "sources", ""),
        ({"kind": "treaty"}, "kind", "allowed:"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"confidence": None}, "confidence", ""),
    ],
)
def test_validate_catches_malformed(change: dict, field: str, words: str) -> None:
    bad = {**copy.deepcopy(GOOD), **change}
    recs, errors = validate_records([GOOD | {"id": "fine"}, bad])
    assert [r.id for r in recs] == ["fine"]
    assert len(errors) >= 1
    hit = [e for e in errors if e.field == field]
    assert hit, errors
    assert hit[0].record_id == "toy-mou"
    assert words in hit[0].message
    assert "toy-mou" in str(hit[0]) and field in str(hit[0])


def test_missing_source_field_is_named() -> None:
    bad = copy.deepcopy(GOOD)
    del bad["sources"]
    _, errors = validate_records([bad])
    assert [(e.record_id, e.field) for e in errors] == [("toy-mou", "sources")]


def test_repeated_id() -> None:
    _, errors = validate_records([GOOD, GOOD])
    assert [(e.record_id, e.field) for e in errors] == [("toy-mou", "id")]


def test_load_curated_raises_registry_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump([GOOD | {"parties": ["PHL", "QQQ"]}]))
    with pytest.raises(RegistryError, match="toy-mou.*parties"):
        load_curated(p)


def test_cli_validate_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["governance", "validate", "--curated-only"])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output
    p = tmp_path / "bad.yaml"
    bad = [GOOD, GOOD | {"id": "two", "signed": "2019-02-30"},
           GOOD | {"id": "three", "provisions": {"quota": True}},
           {k: v for k, v in GOOD.items() if k != "sources"} | {"id": "four"}]
    p.write_text(yaml.safe_dump(bad))
    res = runner.invoke(app, ["governance", "validate", "--file", str(p)])
    assert res.exit_code == 1
    out = res.output + (res.stderr if res.stderr_bytes else "")
    assert "'two', field 'signed'" in out
    assert "'three', field 'provisions.quota'" in out
    assert "'four', field 'sources'" in out
    assert "3 error(s)" in out


def test_filter_and_frame() -> None:
    reg = load_curated()
    phl = reg.filter(party="PHL")
    assert "jpepa-mnp" in {r.id for r in phl}
    assert "asean-consensus-2017" in {r.id for r in phl}  # via the ASEAN grouping
    assert "trans-tasman-travel-arrangement" not in {r.id for r in phl}
    mocs = reg.filter(kind=["memorandum_of_cooperation"])
    assert {r.kind for r in mocs} == {"memorandum_of_cooperation"}
    df = reg.to_frame()
    assert len(df) == len(reg) and df["id"].is_unique
    from labourlink.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="kind"):
        reg.filter(kind=["treaty"])
    with pytest.raises(InvalidArgumentError, match="colombo-process"):
        reg.get("colombo-proces")


def test_active_in() -> None:
    r = Instrument.model_validate(GOOD | {"ended": "2021"})
    assert not r.active_in(2018) and r.active_in(2019) and r.active_in(2021)
    assert not r.active_in(2022)
    no_dates = Instrument.model_validate({k: v for k, v in GOOD.items()
                                          if k not in ("signed", "in_force")})
    assert not any(no_dates.active_in(y) for y in range(1990, 2030))


@given(y=st.integers(1900, 2100), m=st.integers(1, 12), d=st.integers(1, 28))
def test_partial_date_roundtrip(y: int, m: int, d: int) -> None:
    for text, prec in ((f"{y:04d}", "year"), (f"{y:04d}-{m:02d}", "month"),
                       (f"{y:04d}-{m:02d}-{d:02d}", "day")):
        p = PartialDate.model_validate(text)
        assert p.precision == prec and str(p) == text
        assert p.value <= p.last_day()
        assert PartialDate.model_validate(p.model_dump()) == p


def test_list_json_uses_schema_field_names() -> None:
    import json

    res = CliRunner().invoke(app, ["governance", "list", "--curated-only", "--format", "json",
                                   "--kind", "regional_consultative_process"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {d["id"] for d in data} == {"colombo-process", "abu-dhabi-dialogue", "bali-process"}
    assert set(data[0]) == set(Instrument.model_fields)
    assert set(data[0]["provisions"]) == set(PROVISIONS)


def test_show() -> None:
    import json

    res = CliRunner().invoke(app, ["governance", "show", "abu-dhabi-dialogue"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["signed"] == {"value": "2008-01-22", "precision": "day"}
    assert "ARE" in d["receivers"] and d["corridor_scope"] == "senders_to_receivers"


def test_registry_rejects_repeated_ids() -> None:
    r = Instrument.model_validate(GOOD)
    with pytest.raises(RegistryError):
        Registry([r, r])
