"""Ask-AI conversations: a simulated user asks for automations in plain words, a simple resolver
answers with Home Assistant YAML, and the labeller judges the answer.

Three parts that must not see each other's secrets:

- the **user** draws an intent from the home's layout (devices, areas, floors) and says it the
  way people do: by friendly name, by area ("the kitchen light"), or by a bare noun ("the
  lamp"), politely or tersely, with times in many formats. The exact automation meant (with
  entity ids) is kept as `gt_intended_yaml`, for labelling only;
- the **resolver** (the "AI") reads only the request text and the home's registry (entity
  friendly names, device names, area and floor names, domains and device classes). Keyword
  rules find what should happen and when, numbers and times are parsed, typos are fixed
  against the registry's words, and device references are matched by weighted token overlap.
  Vague references ("the bedroom light" in a home with three bedrooms, "the light" meaning a
  lamp, "at 7" meaning 7 pm) make it answer wrongly or not at all, as a real assistant would;
  its confidence says how clear the winning match was;
- the **labeller** (`label_ask_ai`, the only code here that reads ground truth) compares the
  answer with the intent and checks whether the intent matches a planted routine, automation or
  linked synergy of the home.

The parts live in their own modules: `ask_ai_phrasing` and `ask_ai_intents` (the user),
`ask_ai_parsing` and `ask_ai_resolver` (the resolver), `ask_ai_labels` (the labeller); this
module runs them for one home and re-exports the names callers use.
"""

from __future__ import annotations

import numpy as np

from homeiq_assets.collect.ask_ai.intents import INTENTS
from homeiq_assets.collect.ask_ai.labels import label_ask_ai
from homeiq_assets.collect.ask_ai.phrasing import TEMPLATES, Speaker, home_things
from homeiq_assets.collect.ask_ai.resolver import Answer, Resolver
from homeiq_assets.collect.automation.spec import AutomationSpec, to_yaml
from homeiq_assets.collect.automation.validate import validate_automation_yaml
from homeiq_assets.collect.observations import HomeObservations

__all__ = [
    "GENERATOR_VERSION",
    "INTENTS",
    "TEMPLATES",
    "Answer",
    "Resolver",
    "generate_ask_ai",
    "label_ask_ai",
]

GENERATOR_VERSION = "ask-ai-1"


def generate_ask_ai(
    obs: HomeObservations, rng: np.random.Generator, n_per_home: int = 12
) -> list[dict]:
    """`n_per_home` requests for one home, each answered and validated (no ground truth read)."""
    info = obs.entity_info()
    things = home_things(obs, info)
    levels = dict(zip(obs.floors["floor_id"], obs.floors["level"], strict=True))
    areas = {
        a: (str(n), str(k), int(levels.get(f, 0)))
        for a, n, k, f in zip(
            obs.areas["area_id"],
            obs.areas["name"],
            obs.areas["kind"],
            obs.areas["floor_id"],
            strict=True,
        )
    }
    resolver = Resolver(obs, info)
    entity_ids = frozenset(obs.entities["entity_id"])
    probe = Speaker(np.random.default_rng(0), areas, len(levels) > 1)
    kinds = [k for k, draft in INTENTS.items() if draft(things, probe) is not None]
    records: list[dict] = []
    seen: set[str] = set()
    order: list[str] = []
    while len(order) < n_per_home and kinds:
        order += [kinds[i] for i in rng.permutation(len(kinds))]
    for i, kind in enumerate(order[:n_per_home]):
        for _ in range(4):  # a repeated sentence teaches nothing: redraw
            sp = Speaker(rng, areas, len(levels) > 1)
            body, intended = INTENTS[kind](things, sp)  # applicable, so never None
            request = sp.sentence(body)
            if request not in seen:
                break
        seen.add(request)
        records.append(
            _record(obs.home_id, i, kind, request, sp.styles, intended, resolver, entity_ids)
        )
    return records


def _record(
    home_id: str,
    i: int,
    kind: str,
    request: str,
    styles: list[str],
    intended: AutomationSpec,
    resolver: Resolver,
    entity_ids: frozenset[str],
) -> dict:
    answer = resolver.answer(request)
    answer_yaml = to_yaml(answer.spec) if answer.spec is not None else ""
    check = validate_automation_yaml(answer_yaml, entity_ids) if answer_yaml else None
    return {
        "record_id": f"{home_id}.ask.{i:03d}",
        "home_id": home_id,
        "request": request,
        "intent_kind": kind,
        "reference_styles": sorted(set(styles)),
        "answer_yaml": answer_yaml,
        "answer_confidence": answer.confidence,
        "answer_failure": answer.failure,
        "yaml_parses": bool(check and check.parses),
        "yaml_schema_valid": bool(check and check.schema_valid),
        "yaml_entities_exist": bool(check and check.entities_exist),
        "yaml_valid": bool(check and check.valid),
        "yaml_errors": list(check.errors) if check else [f"no answer: {answer.failure}"],
        "gt_intended_yaml": to_yaml(intended),
    }
