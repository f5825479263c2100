"""scikit-learn models saved with skops instead of pickle, and loaded only when every type the
file would create is a scikit-learn or numpy type (anything else is refused unread)."""

from __future__ import annotations

from pathlib import Path

import skops.io as sio

ALLOWED_PREFIXES = ("sklearn.", "numpy.", "builtins.", "collections.OrderedDict", "scipy.sparse.")


class UnsafeModelFileError(ValueError):
    """A model file asks for types outside the allowlist."""


def dump(estimator: object, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    sio.dump(estimator, tmp)
    tmp.replace(path)


def load(path: Path) -> object:
    untrusted = sio.get_untrusted_types(file=path)
    refused = [t for t in untrusted if not t.startswith(ALLOWED_PREFIXES)]
    if refused:
        raise UnsafeModelFileError(
            f"{path.name} would create types outside the allowlist: {', '.join(refused[:5])}"
        )
    return sio.load(path, trusted=untrusted)
