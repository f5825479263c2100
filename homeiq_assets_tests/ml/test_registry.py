"""The versioned model registry: immutable versions, checksums before every load, no pickles,
deploy/rollback/manifest, `load_deployed` and `homeiq models`."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shlex
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

import homeiq_assets.ml
from homeiq_assets.cli.main import main
from homeiq_assets.ml.registry import (
    MODEL_CLASSES,
    DeployRefusedError,
    InvalidNameError,
    ModelNotFoundError,
    ModelRegistry,
    RegistryError,
    TamperedModelError,
)

# types a skops file may hold beyond skops' own defaults (a LogisticRegression needs none)
SKOPS_ALLOWED: frozenset[str] = frozenset({"sklearn.linear_model._logistic.LogisticRegression"})


class JsonModel:
    """Tiny predictor: one number, saved as JSON. `loads` counts calls of `load`."""

    model_name = "home_type"
    loads = 0

    def __init__(self, weight: float = 0.5) -> None:
        self.weight = weight

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> JsonModel:
        self.weight = float(np.mean(y))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.full(len(X), self.weight)

    def save(self, folder: Path) -> list[str]:
        (folder / "weights.json").write_text(json.dumps({"weight": self.weight}))
        return ["weights.json"]

    @classmethod
    def load(cls, folder: Path) -> JsonModel:
        cls.loads += 1
        return cls(json.loads((folder / "weights.json").read_text())["weight"])


class SkopsModel:
    """A scikit-learn estimator saved with skops; loading trusts only allowlisted types."""

    model_name = "device_failure"

    def __init__(self, estimator: LogisticRegression | None = None) -> None:
        self.estimator = estimator if estimator is not None else LogisticRegression()

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> SkopsModel:
        self.estimator.fit(X, y)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict(X)

    def save(self, folder: Path) -> list[str]:
        sio.dump(self.estimator, folder / "model.skops")
        return ["model.skops"]

    @classmethod
    def load(cls, folder: Path) -> SkopsModel:
        path = folder / "model.skops"
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = set(untrusted) - SKOPS_ALLOWED
        if unexpected:
            raise ValueError(f"{path.name}: untrusted types {sorted(unexpected)}")
        return cls(sio.load(path, trusted=untrusted))


class ChattyModel(JsonModel):
    """Writes a file it does not list."""

    def save(self, folder: Path) -> list[str]:
        (folder / "notes.txt").write_text("unlisted")
        return super().save(folder)


class Payload:
    """Unpickling this runs a shell command that creates `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelRegistry:
    monkeypatch.setitem(MODEL_CLASSES, "home_type", f"{__name__}:JsonModel")
    monkeypatch.setitem(MODEL_CLASSES, "device_failure", f"{__name__}:SkopsModel")
    monkeypatch.setattr(JsonModel, "loads", 0)
    return ModelRegistry(tmp_path / "models")


def _metadata(accuracy: float = 0.95, passed: bool = True) -> dict:
    return {
        "metrics": {
            "structural_accuracy": accuracy,
            "structural_macro_f1": accuracy - 0.02,
            "accuracy": accuracy,
            "test_rows": 120,
        },
        "samples": {"train_rows": 480, "train_homes": 40, "test_rows": 120, "test_homes": 10},
        "baseline_name": "majority class",
        "baseline": {"accuracy": 0.41},
        "gate": {"model": "home_type", "passed": passed, "failing": {}},
        "training": {"cycles": ["c20260105-120000"], "records": {"home_type": 600}},
        "code_version": "0.1.0+abc1234",
        "seed": 7,
        "seconds": 1.25,
        "libraries": {"numpy": np.__version__},
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")}


def _rewrite(path: Path, data: bytes) -> None:
    """What an attacker (or a bad disk) does: the registry made the file read-only."""
    path.chmod(0o644)
    path.write_bytes(data)


def _rehash(folder: Path, name: str) -> None:
    """Record a file's new hash in metadata.json, as a careful attacker would."""
    meta_path = folder / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["files"][name] = _sha(folder / name)
    _rewrite(meta_path, json.dumps(meta).encode())


def test_register_allocates_versions_and_never_rewrites(registry):
    assert registry.register(JsonModel(0.25), _metadata(0.93)) == "v0001"
    v1 = registry.root / "home_type" / "v0001"
    before = _tree(v1)
    assert registry.register(JsonModel(0.75), _metadata(0.96)) == "v0002"
    assert _tree(v1) == before  # registering again never touches v0001

    meta = json.loads((v1 / "metadata.json").read_text())
    assert meta["model"] == "home_type" and meta["version"] == "v0001"
    assert meta["class"] == MODEL_CLASSES["home_type"]
    assert meta["files"] == {"weights.json": _sha(v1 / "weights.json")}
    assert meta["allow_low_quality"] is False
    for key, value in _metadata(0.93).items():  # the caller's metadata, stored as given
        assert meta[key] == value, key
    assert meta["created_at"]
    assert not os.access(v1 / "weights.json", os.W_OK) or os.geteuid() == 0

    assert [m["version"] for m in registry.versions("home_type")] == ["v0001", "v0002"]
    assert [m["metrics"]["accuracy"] for m in registry.versions("home_type")] == [0.93, 0.96]
    assert registry.load("home_type", "v0001").weight == 0.25
    assert registry.load("home_type", "v0002").weight == 0.75
    leftovers = [p.name for p in (registry.root / "home_type").iterdir() if "staging" in p.name]
    assert leftovers == []


def test_concurrent_registrations_get_distinct_versions(registry):
    versions: list[str] = []

    def register(i: int) -> None:
        versions.append(registry.register(JsonModel(i / 10), _metadata()))

    threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(versions) == [f"v{i:04d}" for i in range(1, 7)]
    weights = sorted(registry.load("home_type", v).weight for v in versions)
    assert weights == [i / 10 for i in range(6)]


def test_register_refuses_unlisted_files_and_wrong_classes(registry, monkeypatch):
    monkeypatch.setitem(MODEL_CLASSES, "home_type", f"{__name__}:ChattyModel")
    with pytest.raises(RegistryError, match="unlisted files.*notes.txt"):
        registry.register(ChattyModel(), _metadata())
    assert registry.versions("home_type") == []
    with pytest.raises(RegistryError, match="is the class that loads home_type"):
        registry.register(JsonModel(), _metadata())  # allowlist now names ChattyModel
    monkeypatch.setitem(MODEL_CLASSES, "home_type", f"{__name__}:JsonModel")
    with pytest.raises(RegistryError, match="metadata model"):
        registry.register(JsonModel(), {"model": "device_failure"})


def test_names_are_validated_before_they_become_paths(registry):
    registry.register(JsonModel(), _metadata())
    for model in ("../home_type", "Home_type", "home_type/", "", "home_type\n"):
        with pytest.raises(InvalidNameError):
            registry.load(model, "v0001")
    for version in ("v1", "v00001", "../v0001", "v0001/", "V0001", "v0001\n"):
        with pytest.raises(InvalidNameError):
            registry.load("home_type", version)
        with pytest.raises(InvalidNameError):
            registry.deploy("home_type", version)


def test_unknown_model_or_version_lists_what_exists(registry):
    registry.register(JsonModel(), _metadata())
    with pytest.raises(ModelNotFoundError, match="unknown model 'nope'.*home_type"):
        registry.load("nope", "v0001")
    with pytest.raises(ModelNotFoundError, match=r"no version v0009 \(versions: v0001\)"):
        registry.load("home_type", "v0009")
    with pytest.raises(ModelNotFoundError, match="no version deployed"):
        registry.load("home_type")


def test_a_flipped_byte_is_refused_before_the_predictor_loads(registry):
    registry.register(JsonModel(0.5), _metadata())
    folder = registry.root / "home_type" / "v0001"
    path = folder / "weights.json"
    expected = _sha(path)
    data = bytearray(path.read_bytes())
    data[-2] ^= 0x01  # "0.5}" -> "0.4}": still valid JSON, silently different
    _rewrite(path, bytes(data))
    actual = _sha(path)

    with pytest.raises(TamperedModelError) as err:
        registry.load("home_type", "v0001")
    message = str(err.value)
    assert "weights.json" in message and expected in message and actual in message
    assert "\n" not in message
    assert JsonModel.loads == 0  # refused before the predictor saw the file
    with pytest.raises(TamperedModelError, match="weights.json"):
        registry.deploy("home_type", "v0001")
    assert registry.deployed("home_type") is None


def test_an_unlisted_or_missing_file_is_refused(registry):
    registry.register(JsonModel(), _metadata())
    folder = registry.root / "home_type" / "v0001"
    (folder / "extra.json").write_text("{}")
    with pytest.raises(TamperedModelError, match="extra.json is not listed"):
        registry.load("home_type", "v0001")
    (folder / "extra.json").unlink()
    os.symlink(folder / "weights.json", folder / "alias.json")
    with pytest.raises(TamperedModelError, match="alias.json is a symbolic link"):
        registry.load("home_type", "v0001")
    (folder / "alias.json").unlink()
    (folder / "weights.json").unlink()
    with pytest.raises(TamperedModelError, match="weights.json is missing"):
        registry.load("home_type", "v0001")
    assert JsonModel.loads == 0


def test_metadata_cannot_point_outside_the_version_folder(registry):
    registry.register(JsonModel(), _metadata())
    meta_path = registry.root / "home_type" / "v0001" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["files"]["../../outside.json"] = "0" * 64
    _rewrite(meta_path, json.dumps(meta).encode())
    with pytest.raises(TamperedModelError, match="not a plain relative path"):
        registry.load("home_type", "v0001")
    meta["files"] = {"weights.json": meta["files"]["weights.json"]}
    meta["version"] = "v0002"
    _rewrite(meta_path, json.dumps(meta).encode())
    with pytest.raises(TamperedModelError, match="describes home_type/v0002"):
        registry.load("home_type", "v0001")
    assert JsonModel.loads == 0


@pytest.mark.parametrize(
    ("predictor", "file"), [(JsonModel(), "weights.json"), (None, "model.skops")]
)
def test_a_rehashed_pickle_never_executes(registry, tmp_path, predictor, file):
    if predictor is None:
        X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
        predictor = SkopsModel().fit(X, np.array([0, 0, 1, 1]))
    registry.register(predictor, _metadata())
    folder = registry.root / predictor.model_name / "v0001"
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Payload(marker))
    _rewrite(folder / file, payload)
    _rehash(folder, file)  # checksums now agree: only the loader stands in the way

    with pytest.raises((ValueError, zipfile.BadZipFile)):
        registry.load(predictor.model_name, "v0001")
    assert not marker.exists()  # nothing was unpickled

    pickle.loads(payload)  # the payload is live: unpickling it would have run the command
    assert marker.exists()


def test_a_deployed_version_is_also_checked_against_the_manifest(registry):
    registry.register(JsonModel(0.5), _metadata())
    registry.deploy("home_type", "v0001")
    folder = registry.root / "home_type" / "v0001"
    _rewrite(folder / "weights.json", b'{"weight": 0.9}')
    _rehash(folder, "weights.json")
    with pytest.raises(TamperedModelError, match="metadata.json: manifest.json has sha256"):
        homeiq_assets.ml.load_deployed("home_type", registry.root)
    assert JsonModel.loads == 0


def test_deploy_rollback_and_manifest(registry):
    for accuracy in (0.93, 0.97, 0.95):
        registry.register(JsonModel(accuracy), _metadata(accuracy))
    assert registry.deployed("home_type") is None
    assert registry.manifest() == {"models": {}}

    registry.deploy("home_type", "v0001")
    manifest = registry.manifest()["models"]["home_type"]
    assert manifest["version"] == "v0001"
    assert manifest["metrics"] == {"structural_accuracy": 0.93, "structural_macro_f1": 0.91}
    assert manifest["gate_passed"] is True
    meta_file = registry.root / "home_type" / "v0001" / "metadata.json"
    assert manifest["metadata_sha256"] == _sha(meta_file)

    registry.deploy("home_type", "v0002")
    registry.deploy("home_type", "v0003")
    record = json.loads((registry.root / "home_type" / "deployed.json").read_text())
    assert record["version"] == "v0003" and record["from"] == "v0002"
    assert [h["version"] for h in record["history"]] == ["v0001", "v0002"]
    assert registry.load("home_type").weight == 0.95

    assert registry.rollback("home_type")["version"] == "v0002"
    assert registry.deployed("home_type") == "v0002"
    assert registry.manifest()["models"]["home_type"]["version"] == "v0002"
    assert registry.rollback("home_type")["version"] == "v0001"
    with pytest.raises(ModelNotFoundError, match="no earlier deployment"):
        registry.rollback("home_type")
    assert registry.rollback("home_type", to="v0003")["version"] == "v0003"
    with pytest.raises(RegistryError, match="deployed already"):
        registry.rollback("home_type", to="v0003")
    record = json.loads((registry.root / "home_type" / "deployed.json").read_text())
    actions = [(h["action"], h["version"]) for h in record["history"]]
    assert actions == [
        ("deploy", "v0001"),
        ("deploy", "v0002"),
        ("deploy", "v0003"),
        ("rollback", "v0002"),
        ("rollback", "v0001"),
    ]
    assert record["action"] == "rollback" and record["from"] == "v0001"
    with pytest.raises(ModelNotFoundError, match=r"versions: v0001, v0002, v0003"):
        registry.deploy("home_type", "v0004")
    with pytest.raises(ModelNotFoundError, match="nothing deployed"):
        registry.rollback("device_failure")


def test_a_version_that_failed_its_gate_needs_allow_low_quality(registry):
    registry.register(JsonModel(0.1), _metadata(0.5, passed=False))
    registry.register(JsonModel(0.2), _metadata(0.6, passed=False), allow_low_quality=True)
    with pytest.raises(DeployRefusedError, match="failed its quality gate"):
        registry.deploy("home_type", "v0001")
    registry.deploy("home_type", "v0002")  # registered with allow_low_quality
    registry.deploy("home_type", "v0001", allow_low_quality=True)
    assert registry.manifest()["models"]["home_type"]["gate_passed"] is False


def test_load_deployed_returns_a_working_predictor(registry):
    registry.register(JsonModel(0.3), _metadata())
    registry.register(JsonModel(0.8), _metadata())
    registry.deploy("home_type", "v0002")
    model = homeiq_assets.ml.load_deployed("home_type", registry.root)
    assert isinstance(model, JsonModel)
    assert model.predict(pd.DataFrame({"x": [1, 2, 3]})).tolist() == [0.8, 0.8, 0.8]
    assert JsonModel.loads == 1


def test_a_skops_model_round_trips(registry):
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = (X["a"] + 0.5 * X["b"] > 0).to_numpy().astype(int)
    model = SkopsModel().fit(X, y)
    version = registry.register(model, {**_metadata(0.9), "gate": {"passed": True}})
    folder = registry.root / "device_failure" / version
    assert sorted(p.name for p in folder.iterdir()) == ["metadata.json", "model.skops"]
    assert zipfile.is_zipfile(folder / "model.skops")  # skops format, not a pickle
    registry.deploy("device_failure", version)
    loaded = homeiq_assets.ml.load_deployed("device_failure", registry.root)
    assert isinstance(loaded.estimator, LogisticRegression)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_allclose(loaded.estimator.coef_, model.estimator.coef_)


def test_cli_models_list_deploy_rollback(registry, capsys):
    root = str(registry.root)
    assert main(["models", "list", "--root", root]) == 0
    assert "no models registered" in capsys.readouterr().out

    interval = {"value": 0.93, "low": 0.875, "high": 0.967, "n": 120, "homes": 120}
    registry.register(
        JsonModel(0.3), {**_metadata(0.93), "estimates": {"structural_accuracy": interval}}
    )
    registry.register(JsonModel(0.8), _metadata(0.5, passed=False))
    assert main(["models", "deploy", "home_type", "v0001", "--root", root]) == 0
    assert "home_type: v0001 deployed" in capsys.readouterr().out

    assert main(["models", "list", "--root", root]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = ["model", "version", "created", "key", "metrics", "[95", "%", "interval]", "(n)"]
    assert lines[0].split() == [*header, "gate", "deployed"]
    v1 = next(line for line in lines if "v0001" in line)
    v2 = next(line for line in lines if "v0002" in line)
    # each key metric with its interval over benchmark homes and its sample size, when recorded
    assert "structural_accuracy=0.930 [0.875, 0.967] (n 120)" in v1
    assert "structural_macro_f1=0.910  " in v1  # no interval recorded: the value alone
    assert "passed" in v1 and v1.endswith("*")
    assert "FAILED" in v2 and not v2.endswith("*")

    assert main(["models", "list", "--root", root, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["versions"]
    assert [(r["version"], r["deployed"], r["gate_passed"]) for r in rows] == [
        ("v0001", True, True),
        ("v0002", False, False),
    ]

    assert main(["models", "deploy", "nope", "v0001", "--root", root]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown model 'nope'" in err
    assert main(["models", "deploy", "home_type", "v0002", "--root", root]) == 2
    assert "failed its quality gate" in capsys.readouterr().err
    code = ["models", "deploy", "home_type", "v0002", "--allow-low-quality", "--root", root]
    assert main(code) == 0
    capsys.readouterr()
    assert main(["models", "rollback", "home_type", "--root", root]) == 0
    assert "v0001 deployed (was v0002)" in capsys.readouterr().out

    _rewrite(registry.root / "home_type" / "v0002" / "weights.json", b'{"weight": 1.0}')
    assert main(["models", "rollback", "home_type", "--to", "v0002", "--root", root]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "checksum mismatch for weights.json" in err
    assert main(["models", "deploy", "home_type", "v01", "--root", root]) == 2
    assert "invalid version 'v01'" in capsys.readouterr().err


def test_champion_and_previous_aliases_move_and_versions_stay(registry):
    for accuracy in (0.93, 0.97, 0.95):
        registry.register(JsonModel(accuracy), _metadata(accuracy))
    assert registry.aliases("home_type") == {"champion": None, "previous": None}
    registry.deploy("home_type", "v0001")
    assert registry.aliases("home_type") == {"champion": "v0001", "previous": None}
    registry.deploy("home_type", "v0002")
    registry.deploy("home_type", "v0003")
    assert registry.aliases("home_type") == {"champion": "v0003", "previous": "v0002"}
    assert registry.manifest()["models"]["home_type"]["previous"] == "v0002"
    assert registry.resolve("home_type", "previous") == "v0002"
    before = _tree(registry.root / "home_type" / "v0003")
    registry.rollback("home_type")
    assert registry.aliases("home_type") == {"champion": "v0002", "previous": "v0001"}
    assert _tree(registry.root / "home_type" / "v0003") == before  # versions never change
    assert homeiq_assets.ml.load_deployed("home_type", registry.root).weight == 0.97
    with pytest.raises(ModelNotFoundError, match="no previous"):
        ModelRegistry(registry.root).resolve("device_failure", "previous")


def test_history_is_appended_once_per_run_and_version(registry):
    assert registry.history("home_type") == []
    entry = {"run_id": "r1", "version": "v0001", "decision": "promoted", "trigger": "data"}
    registry.record_history("home_type", entry)
    registry.record_history("home_type", entry)  # the same outcome of the same run: once
    registry.record_history("home_type", {**entry, "decision": "failed", "version": None})
    history = registry.history("home_type")
    assert [(e["run_id"], e["decision"]) for e in history] == [("r1", "promoted"), ("r1", "failed")]
    assert all(e["model"] == "home_type" and e["at"] for e in history)
    path = registry.root / "home_type" / "history.json"
    path.write_text("[{")
    with pytest.raises(TamperedModelError, match="not readable JSON"):
        registry.history("home_type")


def test_cli_history_and_rollback_record_it(registry, capsys):
    root = str(registry.root)
    registry.register(JsonModel(0.3), _metadata(0.93))
    registry.register(JsonModel(0.8), _metadata(0.95))
    registry.deploy("home_type", "v0001")
    registry.deploy("home_type", "v0002")
    assert main(["models", "rollback", "home_type", "--root", root]) == 0
    assert "home_type: v0001 deployed (was v0002)" in capsys.readouterr().out
    assert main(["models", "history", "home_type", "--root", root]) == 0
    out = capsys.readouterr().out
    assert "manual" in out and "rolled back: champion moved back from v0002 to v0001" in out
    assert main(["models", "history", "home_type", "--root", root, "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["history"]
    assert entry["champion_before"] == "v0002" and entry["champion_after"] == "v0001"
