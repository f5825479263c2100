"""Home Assistant automations: a small spec, its YAML, and an independent validator.

This module only gathers the public names so callers have one import; the work lives in
modules with one job each:

- `automation_spec`: the spec dataclasses and the YAML emitter (`to_yaml`);
- `automation_services`: the services per domain (`service_for` and the validator's tables);
- `automation_values`: checkers for single field values (entity ids, times, durations);
- `automation_schema`: pydantic models of the automation schema;
- `automation_validate`: `validate_automation_yaml`, which parses the text and checks it.
"""

from __future__ import annotations

from homeiq_assets.collect.automation.schema import AutomationConfig, service_problems
from homeiq_assets.collect.automation.services import (
    HVAC_MODES,
    KNOWN_SERVICES,
    service_for,
)
from homeiq_assets.collect.automation.spec import (
    Action,
    AutomationSpec,
    Condition,
    Trigger,
    spec_to_dict,
    to_yaml,
)
from homeiq_assets.collect.automation.validate import YamlValidation, validate_automation_yaml

__all__ = [
    "HVAC_MODES",
    "KNOWN_SERVICES",
    "Action",
    "AutomationConfig",
    "AutomationSpec",
    "Condition",
    "Trigger",
    "YamlValidation",
    "service_for",
    "service_problems",
    "spec_to_dict",
    "to_yaml",
    "validate_automation_yaml",
]
