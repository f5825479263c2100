"""scikit-learn models saved with skops instead of pickle, and loaded only when every type the
file would create is a scikit-learn or numpy type (anything else is refused unread)."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

import skops.io as sio

ALLOWED_PREFIXES = ("sklearn.", "numpy.", "builtins.", "collections.OrderedDict", "scipy.sparse.")


class UnsafeModelFileError(ValueError):
    """A model file asks for types outside the allowlist."""


def dump(estimator: object, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    sio.dump(estimator, tmp)
    tmp.replace(path)


def load(path: Path, allowed: Collection[str] | None = None) -> object:
    """Load `path` if every type it would create is allowed: exactly the names in `allowed`
    when given, else any scikit-learn/numpy type (ALLOWED_PREFIXES). Refused files are not read
    beyond their type list."""
    untrusted = sio.get_untrusted_types(file=path)
    if allowed is not None:
        refused = [t for t in untrusted if t not in allowed]
    else:
        refused = [t for t in untrusted if not t.startswith(ALLOWED_PREFIXES)]
    if refused:
        raise UnsafeModelFileError(
            f"{path.name} would create types outside the allowlist: {', '.join(refused[:5])}"
        )
    return sio.load(path, trusted=untrusted)


MODEL_FILE = "model.skops"
CONFIG_FILE = "config.json"


def save_with_config(estimator: object, config: dict, folder: Path) -> list[str]:
    """An estimator as skops plus its wrapper's settings as JSON; returns the file names."""
    dump(estimator, folder / MODEL_FILE)
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2))
    return [MODEL_FILE, CONFIG_FILE]


def load_with_config(folder: Path) -> tuple[object, dict]:
    config = json.loads((folder / CONFIG_FILE).read_text())
    return load(folder / MODEL_FILE), config
