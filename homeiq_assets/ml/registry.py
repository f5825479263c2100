"""The versioned model registry of DESIGN §7.

Layout under the root (default `<HOMEIQ_DATA_DIR>/models`)::

    <root>/manifest.json                  every champion: version, previous, key metrics, sha256
    <root>/<model>/deployed.json          the aliases {champion, previous}, when and how they
                                          last moved, and every earlier move
    <root>/<model>/history.json           the retraining history: one entry per training
                                          (when, trigger, mode, data, metrics, decision, why)
    <root>/<model>/v0001/metadata.json    what the caller passed in + files {name: sha256}
    <root>/<model>/v0001/<files>          exactly the files the predictor's `save` wrote

Versions are immutable; the aliases move: `champion` is the deployed version (what
`load_deployed` returns), `previous` the one it replaced (what a rollback restores).

A version folder is assembled in a staging folder and renamed into place under a lock; it is
never written again (its files are also made read-only). Before every load each file listed in
metadata.json is hashed and compared, and a file not listed refuses the load, all before the
predictor parses anything. The class that loads a model comes from `MODEL_CLASSES` by model name,
never from the stored files, and loaders read only non-pickle formats.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import importlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from homeiq_assets.ml.base import Predictor
from homeiq_assets.storage import sha256_file, staging_dir, write_json_atomic

# model name -> "module:Class" that loads it (modules are imported only when needed)
MODEL_CLASSES: dict[str, str] = {
    "home_type": "homeiq_assets.ml.models.home_type:HomeTypeModel",
    "device_failure": "homeiq_assets.ml.models.device_failure:DeviceFailureModel",
    "device_anomaly": "homeiq_assets.ml.models.device_anomaly:DeviceAnomalyModel",
    "synergy_gnn": "homeiq_assets.ml.models.synergy_gnn:SynergyGNN",
    "pattern_quality": "homeiq_assets.ml.models.pattern_quality:PatternQualityModel",
}

MODEL_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
VERSION_NAME = re.compile(r"v\d{4}")
METADATA = "metadata.json"
DEPLOYED = "deployed.json"
MANIFEST = "manifest.json"
HISTORY = "history.json"
ALIASES = ("champion", "previous")
_LOCK = ".lock"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
# metadata keys the registry owns (the caller's values for these are replaced)
_OWNED = ("model", "version", "class", "files", "allow_low_quality")


class RegistryError(Exception):
    """A registry operation was refused; the message says why, on one line."""


class InvalidNameError(RegistryError, ValueError):
    """A model or version name that may not become a path."""


class ModelNotFoundError(RegistryError, LookupError):
    """No such model or version; the message lists what exists."""


class TamperedModelError(RegistryError):
    """A stored file differs from what metadata.json recorded, or is not recorded at all."""


class DeployRefusedError(RegistryError):
    """The version failed its quality gate and was not registered with allow_low_quality."""


def default_root() -> Path:
    from homeiq_assets.settings import settings

    return settings().data_dir / "models"


def check_model_name(model: str) -> str:
    if not isinstance(model, str) or not MODEL_NAME.fullmatch(model):
        raise InvalidNameError(f"invalid model name {model!r} (expected {MODEL_NAME.pattern})")
    return model


def check_version_name(version: str) -> str:
    if not isinstance(version, str) or not VERSION_NAME.fullmatch(version):
        raise InvalidNameError(f"invalid version {version!r} (expected v0001, v0002, …)")
    return version


def model_class(model: str) -> type:
    """The predictor class of `model`, from the allowlist only."""
    module_name, _, class_name = model_class_name(model).partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def key_metrics(model: str, metadata: dict) -> dict[str, float]:
    """The metrics the model's gate judges (else the first four numeric ones), rounded."""
    from homeiq_assets.ml.gates import GATES

    metrics = metadata.get("metrics") or {}
    numeric = {k: v for k, v in metrics.items() if _number(v)}
    names = [k for k in GATES.get(model, {}) if k in numeric] or list(numeric)[:4]
    return {k: round(float(numeric[k]), 4) for k in names}


def gate_passed(metadata: dict) -> bool | None:
    """The recorded gate result (`gate` or `gate_result`: a bool or {"passed": …}); None if
    none was recorded."""
    for key in ("gate", "gate_result"):
        gate = metadata.get(key)
        if isinstance(gate, bool):
            return gate
        if isinstance(gate, dict) and isinstance(gate.get("passed"), bool):
            return gate["passed"]
    return None


class ModelRegistry:
    """Versioned, checksummed, immutable model folders with deploy/rollback pointers."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_root()

    # -- registration -----------------------------------------------------------------------

    def register(
        self, predictor: Predictor, metadata: dict, *, allow_low_quality: bool | None = None
    ) -> str:
        """Save `predictor` as the model's next version and return it (`v0001`, …).

        `metadata` is stored as given plus model, version, class, created_at (unless given),
        `files` {name: sha256} and `allow_low_quality` (this argument, else the metadata's
        value, else False).
        """
        model = predictor.model_name
        cls = model_class(model)
        if type(predictor) is not cls:
            raise RegistryError(
                f"{model}: predictor is {_qualname(type(predictor))}, but "
                f"{MODEL_CLASSES[model]} is the class that loads {model}"
            )
        if metadata.get("model", model) != model:
            raise RegistryError(f"metadata model {metadata['model']!r} != predictor {model!r}")
        if allow_low_quality is None:
            allow_low_quality = bool(metadata.get("allow_low_quality", False))
        base = {k: v for k, v in metadata.items() if k not in _OWNED}
        base.setdefault("created_at", _now())
        folder = self.root / model
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder / _LOCK):
            existing = self._version_names(model)
            number = int(existing[-1][1:]) + 1 if existing else 1
            if number > 9999:
                raise RegistryError(f"{model}: all 9999 versions are used")
            version = f"v{number:04d}"
            final = folder / version
            staging = staging_dir(final)
            try:
                files = self._save_files(predictor, staging)
                record = {
                    **base,
                    "model": model,
                    "version": version,
                    "class": MODEL_CLASSES[model],
                    "files": files,
                    "allow_low_quality": bool(allow_low_quality),
                }
                (staging / METADATA).write_text(_dumps(record))
                for path in staging.rglob("*"):
                    if path.is_file():
                        path.chmod(0o444)
                if final.exists():  # never replace a version (cannot happen under the lock)
                    raise RegistryError(f"{model}/{version} exists already")
                os.rename(staging, final)
            finally:
                if staging.exists():
                    _remove_tree(staging)
        return version

    @staticmethod
    def _save_files(predictor: Predictor, staging: Path) -> dict[str, str]:
        names = predictor.save(staging)
        listed = {_check_file_name(str(n)) for n in names}
        if METADATA in listed:
            raise RegistryError(f"{predictor.model_name}: save() may not write {METADATA}")
        written = _files_in(staging)
        if written - listed:
            raise RegistryError(
                f"{predictor.model_name}: save() wrote unlisted files {sorted(written - listed)}"
            )
        if listed - written:
            raise RegistryError(
                f"{predictor.model_name}: save() listed missing files {sorted(listed - written)}"
            )
        return {name: sha256_file(staging / name) for name in sorted(listed)}

    # -- reading ----------------------------------------------------------------------------

    def models(self) -> list[str]:
        """Known models that have at least one version here."""
        return [m for m in MODEL_CLASSES if (self.root / m).is_dir() and self._version_names(m)]

    def versions(self, model: str) -> list[dict]:
        """Metadata of every version of `model`, oldest first."""
        model_class_name(model)
        return [self._metadata(model, v) for v in self._version_names(model)]

    def metadata(self, model: str, version: str) -> dict:
        self._existing(model, version)
        return self._metadata(model, version)

    def load(self, model: str, version: str | None = None) -> Predictor:
        """The predictor of `model` at `version` (None: the deployed one), after every file
        was checked against metadata.json (and metadata.json against the manifest when it is
        the deployed version)."""
        cls = model_class(model)
        if version is None:
            version = self.deployed(model)
            if version is None:
                raise ModelNotFoundError(
                    f"{model}: no version deployed (versions: "
                    f"{', '.join(self._version_names(model)) or 'none'})"
                )
        self._existing(model, version)
        with tempfile.TemporaryDirectory(prefix=f"homeiq-{model}-{version}-") as tmp:
            # the files are hashed as they are copied, and loaded from the private copy, so
            # nothing can change between the check and the load
            verified = self._verified_copy(model, version, Path(tmp))
            return cls.load(verified)

    def verify(self, model: str, version: str) -> dict:
        """Check every file of a version; return its metadata or raise TamperedModelError."""
        self._existing(model, version)
        with tempfile.TemporaryDirectory(prefix=f"homeiq-{model}-{version}-") as tmp:
            self._verified_copy(model, version, Path(tmp))
        return self._metadata(model, version)

    def _verified_copy(self, model: str, version: str, into: Path) -> Path:
        folder = self.root / model / version
        metadata_bytes = (folder / METADATA).read_bytes()
        self._check_against_manifest(model, version, metadata_bytes)
        metadata = _parse_metadata(model, version, metadata_bytes)
        files: dict[str, str] = metadata["files"]
        present = _files_in(folder) - {METADATA}
        unlisted = sorted(present - set(files))
        if unlisted:
            raise TamperedModelError(
                f"{model}/{version}: file {unlisted[0]} is not listed in {METADATA}; refusing "
                "to load"
            )
        missing = sorted(set(files) - present)
        if missing:
            raise TamperedModelError(f"{model}/{version}: listed file {missing[0]} is missing")
        copy = into / "model"
        copy.mkdir()
        for name, expected in sorted(files.items()):
            data = (folder / name).read_bytes()
            actual = hashlib.sha256(data).hexdigest()
            if actual != expected:
                raise TamperedModelError(
                    f"{model}/{version}: checksum mismatch for {name}: metadata.json has "
                    f"sha256 {expected}, file has {actual}; refusing to load"
                )
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return copy

    def _check_against_manifest(self, model: str, version: str, metadata_bytes: bytes) -> None:
        entry = self.manifest().get("models", {}).get(model) or {}
        if entry.get("version") != version or "metadata_sha256" not in entry:
            return
        actual = hashlib.sha256(metadata_bytes).hexdigest()
        if actual != entry["metadata_sha256"]:
            raise TamperedModelError(
                f"{model}/{version}: checksum mismatch for {METADATA}: {MANIFEST} has sha256 "
                f"{entry['metadata_sha256']}, file has {actual}; refusing to load"
            )

    # -- deployment -------------------------------------------------------------------------

    def deployed(self, model: str) -> str | None:
        """The `champion` alias of `model` (None before the first deployment)."""
        model_class_name(model)
        record = self._deployed_record(model)
        return record["version"] if record else None

    def aliases(self, model: str) -> dict[str, str | None]:
        """`{"champion": version | None, "previous": version | None}`."""
        model_class_name(model)
        record = self._deployed_record(model)
        if record is None:
            return dict.fromkeys(ALIASES)
        return {"champion": record["version"], "previous": _previous(record)}

    def resolve(self, model: str, ref: str) -> str:
        """A version name from `champion`, `previous` or a version such as `v0003`."""
        if ref in ALIASES:
            version = self.aliases(model)[ref]
            if version is None:
                raise ModelNotFoundError(f"{model}: no {ref} version yet")
            return version
        self._existing(model, ref)
        return ref

    def deploy(self, model: str, version: str, *, allow_low_quality: bool = False) -> dict:
        """Point `model` at `version` (checked first) and rewrite the manifest.

        A version whose recorded gate failed is refused unless it was registered with
        allow_low_quality or `allow_low_quality` is passed here.
        """
        return self._point(model, version, "deploy", allow_low_quality)

    def rollback(self, model: str, to: str | None = None) -> dict:
        """Point `model` back at the version deployed before the current one (or at `to`)."""
        model_class_name(model)
        with _locked(self._root_lock()):
            record = self._deployed_record(model)
            if record is None:
                raise ModelNotFoundError(f"{model}: nothing deployed, nothing to roll back")
            entries = [*record.get("history", []), _entry(record)]
            if to is None:
                stack = _deployment_stack(entries)
                if len(stack) < 2:
                    raise ModelNotFoundError(
                        f"{model}: no earlier deployment to roll back to from {record['version']}"
                    )
                to = stack[-2]
            # a version deployed before passed the gate check then; others are checked now
            earlier = to in {e.get("version") for e in entries}
            return self._point_locked(model, to, "rollback", earlier)

    def _point(self, model: str, version: str, action: str, allow_low_quality: bool) -> dict:
        with _locked(self._root_lock()):
            return self._point_locked(model, version, action, allow_low_quality)

    def _point_locked(self, model: str, version: str, action: str, allow: bool) -> dict:
        metadata = self.verify(model, version)
        if gate_passed(metadata) is False and not (allow or metadata.get("allow_low_quality")):
            raise DeployRefusedError(
                f"{model}/{version} failed its quality gate and was not registered with "
                "allow_low_quality (pass --allow-low-quality to deploy it anyway)"
            )
        current = self._deployed_record(model)
        if current is not None and current["version"] == version:
            if action == "rollback":
                raise RegistryError(f"{model}: {version} is deployed already")
            self._write_manifest()
            return current
        history = [*current.get("history", []), _entry(current)] if current else []
        record = {
            "model": model,
            "version": version,
            "deployed_at": _now(),
            "action": action,
            "from": current["version"] if current else None,
            "history": history,
        }
        record["aliases"] = {"champion": version, "previous": _previous(record)}
        write_json_atomic(record, self.root / model / DEPLOYED)
        self._write_manifest()
        return record

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        if not path.is_file():
            return {"models": {}}
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise TamperedModelError(f"{path} is not readable JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
            raise TamperedModelError(f"{path} has no 'models' mapping")
        return data

    def _write_manifest(self) -> None:
        models = {}
        for model in MODEL_CLASSES:
            record = self._deployed_record(model)
            if record is None:
                continue
            version = record["version"]
            folder = self.root / model / version
            metadata = self._metadata(model, version)
            models[model] = {
                "version": version,
                "previous": _previous(record),
                "deployed_at": record["deployed_at"],
                "class": MODEL_CLASSES[model],
                "metrics": key_metrics(model, metadata),
                "gate_passed": gate_passed(metadata),
                "metadata_sha256": sha256_file(folder / METADATA),
            }
        write_json_atomic({"updated_at": _now(), "models": models}, self.root / MANIFEST)

    # -- retraining history -----------------------------------------------------------------

    def history(self, model: str) -> list[dict]:
        """Every recorded training of `model`, oldest first."""
        model_class_name(model)
        path = self.root / model / HISTORY
        if not path.is_file():
            return []
        try:
            entries = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise TamperedModelError(f"{path} is not readable JSON: {exc}") from None
        if not isinstance(entries, list):
            raise TamperedModelError(f"{path} is not a list of entries")
        return entries

    def record_history(self, model: str, entry: dict) -> dict:
        """Append one entry (stamped `at` unless given) to the model's retraining history.

        The whole file is rewritten to a temporary name and renamed under the model's lock, so
        a crash never leaves half an entry; an entry with the `run_id` and `version` of one
        already recorded replaces nothing and is not added twice."""
        model_class_name(model)
        folder = self.root / model
        folder.mkdir(parents=True, exist_ok=True)
        entry = {"at": _now(), **entry, "model": model}
        with _locked(folder / _LOCK):
            entries = self.history(model)
            key = (entry.get("run_id"), entry.get("version"), entry.get("decision"))
            if key[0] and any(
                (e.get("run_id"), e.get("version"), e.get("decision")) == key for e in entries
            ):
                return entry
            entries.append(json.loads(_dumps(entry)))
            write_json_atomic(entries, folder / HISTORY)
        return entry

    # -- helpers ----------------------------------------------------------------------------

    def _root_lock(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / _LOCK

    def _version_names(self, model: str) -> list[str]:
        folder = self.root / check_model_name(model)
        if not folder.is_dir():
            return []
        return sorted(
            p.name for p in folder.iterdir() if VERSION_NAME.fullmatch(p.name) and p.is_dir()
        )

    def _existing(self, model: str, version: str) -> None:
        model_class_name(model)
        check_version_name(version)
        names = self._version_names(model)
        if version not in names:
            raise ModelNotFoundError(
                f"{model}: no version {version} (versions: {', '.join(names) or 'none'})"
            )

    def _metadata(self, model: str, version: str) -> dict:
        return _parse_metadata(
            model, version, (self.root / model / version / METADATA).read_bytes()
        )

    def _deployed_record(self, model: str) -> dict | None:
        path = self.root / model / DEPLOYED
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text())
            check_version_name(record["version"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TamperedModelError(f"{path} is not a valid deployment record: {exc}") from None
        return record


def load_deployed(name: str, root: Path | None = None) -> Predictor:
    """The deployed version of model `name`, ready to predict (checksums verified first)."""
    return ModelRegistry(root).load(name)


def model_class_name(model: str) -> str:
    """`MODEL_CLASSES[model]`, or ModelNotFoundError listing the known models."""
    check_model_name(model)
    if model not in MODEL_CLASSES:
        raise ModelNotFoundError(
            f"unknown model {model!r} (known: {', '.join(sorted(MODEL_CLASSES))})"
        )
    return MODEL_CLASSES[model]


def _parse_metadata(model: str, version: str, data: bytes) -> dict:
    where = f"{model}/{version}/{METADATA}"
    try:
        metadata = json.loads(data)
    except ValueError as exc:
        raise TamperedModelError(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(metadata, dict):
        raise TamperedModelError(f"{where} is not a JSON object")
    if metadata.get("model") != model or metadata.get("version") != version:
        raise TamperedModelError(
            f"{where} describes {metadata.get('model')}/{metadata.get('version')}, "
            f"not {model}/{version}"
        )
    files = metadata.get("files")
    if not isinstance(files, dict) or not files:
        raise TamperedModelError(f"{where} lists no files")
    for name, digest in files.items():
        try:
            _check_file_name(name)
        except RegistryError as exc:
            raise TamperedModelError(f"{where}: {exc}") from None
        if name == METADATA or not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise TamperedModelError(f"{where}: bad entry for {name!r}")
    return metadata


def _check_file_name(name: str) -> str:
    """A relative POSIX path inside the version folder, not a pickle."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
    ):
        raise RegistryError(f"file name {name!r} is not a plain relative path")
    if path.suffix.lower() in _PICKLE_SUFFIXES:
        raise RegistryError(f"file {name!r} looks like a pickle; models are never pickled")
    return name


def _files_in(folder: Path) -> set[str]:
    """Every file below `folder` as relative POSIX paths; links and devices are refused."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        for name in [*dirnames, *filenames]:
            path = base / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                raise TamperedModelError(f"{folder}: {rel} is a symbolic link; refusing")
            if path.is_file():
                out.add(rel)
            elif not path.is_dir():
                raise TamperedModelError(f"{folder}: {rel} is not a regular file; refusing")
    return out


def _deployment_stack(entries: list[dict]) -> list[str]:
    """Replay deployments: deploy pushes; a rollback pops back to its target."""
    stack: list[str] = []
    for entry in entries:
        version = entry["version"]
        if entry.get("action") == "rollback":
            if version in stack:
                del stack[len(stack) - stack[::-1].index(version) :]
            elif stack:
                stack.pop()
        if not stack or stack[-1] != version:
            stack.append(version)
    return stack


def _previous(record: dict) -> str | None:
    """The version the champion replaced, after replaying rollbacks (None if there is none)."""
    stack = _deployment_stack([*record.get("history", []), _entry(record)])
    return stack[-2] if len(stack) >= 2 else None


def _entry(record: dict) -> dict:
    return {k: record.get(k) for k in ("version", "deployed_at", "action", "from")}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_tree(path: Path) -> None:
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            p.chmod(0o644)
    shutil.rmtree(path, ignore_errors=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _qualname(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=_jsonable) + "\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path | dt.date | dt.datetime):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"metadata value of type {type(value).__name__} is not JSON serialisable")
