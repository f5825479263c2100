"""Ask-AI conversations over the test fleet: varied requests, answers that are valid Home
Assistant YAML for their own home, and labels that are neither all-approve nor all-reject."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from homeiq_assets.collect.ask_ai.conversations import (
    INTENTS,
    TEMPLATES,
    Resolver,
    generate_ask_ai,
    label_ask_ai,
)
from homeiq_assets.collect.automation import to_yaml
from homeiq_assets.collect.observations import iter_homes
from homeiq_assets.collect.records import validate_records
from homeiq_assets.sim.rng import derive_rng

SEED = 7
REASONS = {
    None,
    "unparsed request",
    "invalid yaml",
    "wrong trigger",
    "wrong entity",
    "wrong action",
    "wrong time",
    "wrong value",
    "wrong condition",
}


@pytest.fixture(scope="module")
def homes(fleet_dir: Path) -> list:
    return list(iter_homes(fleet_dir))


@pytest.fixture(scope="module")
def collected(homes: list) -> dict:
    records, entity_ids = [], {}
    for obs, truth in homes:
        recs = generate_ask_ai(obs, derive_rng(SEED, obs.home_id, "ask_ai"))
        records += label_ask_ai(recs, truth)
        entity_ids[obs.home_id] = set(obs.entities["entity_id"])
    return {"records": records, "entity_ids": entity_ids}


def _entity_refs(node: object) -> set[str]:
    if isinstance(node, dict):
        out = set()
        for key, value in node.items():
            if key == "entity_id":
                out |= {value} if isinstance(value, str) else set(value)
            else:
                out |= _entity_refs(value)
        return out
    if isinstance(node, list):
        return set().union(*(_entity_refs(x) for x in node)) if node else set()
    return set()


def test_requests_are_varied(collected: dict) -> None:
    records = collected["records"]
    texts = [r["request"] for r in records]
    assert len(set(texts)) / len(texts) >= 0.8
    assert len({r["intent_kind"] for r in records}) >= 10
    styles = {s for r in records for s in r["reference_styles"]}
    assert styles == {"name", "area", "short"}


def test_record_shape(collected: dict, homes: list) -> None:
    records = collected["records"]
    assert len(records) == 12 * len(homes)
    assert len({r["record_id"] for r in records}) == len(records)
    valid, failures = validate_records("ask_ai", records)
    assert failures == {} and len(valid) == len(records)
    for r in records:
        assert r["record_id"].startswith(r["home_id"] + ".ask.")
        assert 0.0 <= r["answer_confidence"] <= 1.0
        assert r["yaml_valid"] == (
            r["yaml_parses"] and r["yaml_schema_valid"] and r["yaml_entities_exist"]
        )
        assert r["reject_reason"] in REASONS
        assert r["approved"] == (r["reject_reason"] is None)


def test_valid_answers_only_name_their_home(collected: dict) -> None:
    records, ids = collected["records"], collected["entity_ids"]
    valid = [r for r in collected["records"] if r["yaml_valid"]]
    assert len(valid) >= 0.8 * len(records)
    for r in valid:
        data = yaml.safe_load(r["answer_yaml"])
        refs = _entity_refs(data)
        assert refs and refs <= ids[r["home_id"]], r["request"]
        intended = _entity_refs(yaml.safe_load(r["gt_intended_yaml"]))
        assert intended <= ids[r["home_id"]]


def test_approval_is_informative(collected: dict) -> None:
    records = collected["records"]
    approved = sum(r["approved"] for r in records) / len(records)
    assert 0.3 < approved < 0.97
    reasons = {r["reject_reason"] for r in records}
    assert "wrong entity" in reasons

    # the resolver's confidence should mean something: approved answers are surer
    def mean_conf(ok: bool) -> float:
        sel = [r["answer_confidence"] for r in records if r["approved"] == ok]
        return sum(sel) / len(sel)

    assert mean_conf(True) > mean_conf(False)


def test_planted_matches_point_at_truth(collected: dict, homes: list) -> None:
    records = collected["records"]
    matched = [r for r in records if r["matches_planted_routine"]]
    assert 0 < len(matched) < len(records)
    truth_ids = set()
    for _, truth in homes:
        truth_ids |= set(truth.routines["routine_id"])
        truth_ids |= set(truth.synergies["gt_automation_id"].dropna())
    assert all(r["gt_matched_routine_id"] in truth_ids for r in matched)


def test_deterministic(homes: list) -> None:
    for obs, _ in homes[:4]:
        a = generate_ask_ai(obs, derive_rng(SEED, obs.home_id, "ask_ai"), n_per_home=9)
        b = generate_ask_ai(obs, derive_rng(SEED, obs.home_id, "ask_ai"), n_per_home=9)
        assert a == b and len(a) == 9
    other = generate_ask_ai(homes[0][0], derive_rng(SEED + 1, homes[0][0].home_id, "ask_ai"))
    assert [r["request"] for r in other] != [
        r["request"]
        for r in generate_ask_ai(homes[0][0], derive_rng(SEED, homes[0][0].home_id, "ask_ai"))
    ]


def _home_with(homes: list, *device_types: str):
    for obs, truth in homes:
        if set(device_types) <= set(obs.devices["device_type"]):
            return obs, truth
    pytest.skip(f"no home with {device_types}")


def test_resolver_reads_a_clear_request(homes: list) -> None:
    obs, _ = _home_with(homes, "motion_sensor", "ceiling_light")
    info = obs.entity_info()
    motion = info[info["device_class"] == "motion"].iloc[0]
    area = motion["area_name"]
    light = info[(info["domain"] == "light") & (info["area_name"] == area)]
    if light.empty:
        pytest.skip("motion sensor without a light")
    request = (
        f"Turn on the {light.iloc[0]['friendly_name']} when the {motion['device_name']} "
        "detects motion after dark"
    )
    answer = Resolver(obs).answer(request)
    data = yaml.safe_load(to_yaml(answer.spec))
    assert data["triggers"][0] == {
        "trigger": "state",
        "entity_id": motion.name,
        "to": "on",
    }
    assert data["conditions"] == [{"condition": "sun", "after": "sunset", "before": "sunrise"}]
    assert data["actions"][0]["action"] == "light.turn_on"
    assert data["actions"][0]["target"]["entity_id"] == light.index[0]
    timed = Resolver(obs).answer(f"switch off the {light.iloc[0]['friendly_name']} at 10:30 pm")
    assert yaml.safe_load(to_yaml(timed.spec))["triggers"][0]["at"] == "22:30:00"
    assert Resolver(obs).answer("sing me a song").spec is None


def test_resolver_is_unsure_when_the_reference_is_vague(homes: list) -> None:
    for obs, _ in homes:
        lights = obs.entities[obs.entities["domain"] == "light"]
        if len(lights) >= 3:
            break
    answer = Resolver(obs).answer("turn on the light at 7 in the morning")
    assert answer.spec is not None and answer.confidence < 0.7


def test_labeller_reasons(homes: list) -> None:
    obs, truth = homes[0]
    recs = generate_ask_ai(obs, derive_rng(SEED, obs.home_id, "ask_ai"), n_per_home=4)
    base = dict(recs[0])
    intended = base["gt_intended_yaml"]
    perfect = {**base, "answer_yaml": intended, "yaml_valid": True}
    none = {**base, "answer_yaml": "", "yaml_valid": False}
    broken = {**base, "answer_yaml": "alias: [", "yaml_valid": False}
    data = yaml.safe_load(intended)
    data["actions"][0]["target"]["entity_id"] = "light.somewhere_else"
    wrong = {**base, "answer_yaml": yaml.safe_dump(data), "yaml_valid": True}
    out = label_ask_ai([perfect, none, broken, wrong], truth)
    assert [r["reject_reason"] for r in out] == [
        None,
        "unparsed request",
        "invalid yaml",
        "wrong entity",
    ]
    assert out[0]["approved"] and not any(r["approved"] for r in out[1:])


def test_intents_have_many_phrasings(collected: dict) -> None:
    assert set(TEMPLATES) == set(INTENTS)
    assert all(len(set(phrasings)) >= 4 for phrasings in TEMPLATES.values())
    seen = {r["intent_kind"] for r in collected["records"]}
    assert len(seen) >= 12, set(INTENTS) - seen


def test_resolver_fixes_typos(homes: list) -> None:
    obs, _ = _home_with(homes, "ceiling_light")
    resolver = Resolver(obs)
    area = obs.areas["name"].iloc[1].lower()
    typo = area[:2] + area[3:] if len(area) >= 6 else area
    assert resolver.correct(f"the {typo} light") == f"the {area} light"
    assert resolver.correct("at half past eight when the sun comes up") == (
        "at half past eight when the sun comes up"
    )
