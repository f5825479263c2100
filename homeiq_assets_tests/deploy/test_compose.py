"""The docker-compose deployment as files (no Docker engine here): docker-compose.yml is valid
Compose (the specification's JSON schema, vendored in deploy/schema/), its four services share
one network and data volume with the Docker run launcher of deploy/dagster.yaml, the UI binds to
127.0.0.1 unless configured, and no secret is in the repository; the deployment's and the
Kubernetes instance files are valid Dagster instance configuration for their launchers; the
image's entrypoint seeds the pre-trained models on first start; HOMEIQ_EXECUTOR picks the
executor that spreads steps (multiprocess, Kubernetes pods, Celery)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
DEPLOY = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())


def test_compose_file_follows_the_compose_specification():
    schema = json.loads((REPO / "deploy" / "schema" / "compose-spec.json").read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(COMPOSE))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    bad = dict(COMPOSE, services={"x": {"image": "y", "ports": [{"published": []}]}})
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))  # the schema bites


def test_four_services_on_one_network_volume_and_image():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "user_code", "webserver", "daemon"}
    launcher = DEPLOY["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_docker", "DockerRunLauncher")
    network = launcher["config"]["network"]
    assert COMPOSE["networks"]["homeiq_net"]["name"] == network
    for name in ("user_code", "webserver", "daemon"):
        service = services[name]
        assert service["image"] == "homeiq-assets:latest" and service["build"] == "."
        assert "homeiq_data:/data" in service["volumes"]
        assert service["networks"] == ["homeiq_net"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    # run containers get the same volume (fixed name) and image
    assert "homeiq_data:/data" in launcher["config"]["container_kwargs"]["volumes"]
    assert COMPOSE["volumes"]["homeiq_data"]["name"] == "homeiq_data"
    image = services["user_code"]["environment"]["DAGSTER_CURRENT_IMAGE"]
    assert image == services["user_code"]["image"]
    assert (
        "grpc" in services["user_code"]["command"]
        and "dagster-daemon" in services["daemon"]["command"]
    )
    workspace = yaml.safe_load((REPO / "deploy" / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    assert entry["grpc_server"] == {
        "host": "user_code",
        "port": 4000,
        "location_name": "homeiq_assets",
    }


def test_the_ui_binds_to_localhost_and_secrets_come_from_the_environment():
    (port,) = COMPOSE["services"]["webserver"]["ports"]
    assert port.startswith("${HOMEIQ_UI_BIND:-127.0.0.1}:")
    pg = COMPOSE["services"]["postgres"]["environment"]
    assert pg["POSTGRES_PASSWORD"].startswith("${DAGSTER_PG_PASSWORD:?")
    assert COMPOSE["x-dagster-env"]["DAGSTER_PG_PASSWORD"].startswith("${DAGSTER_PG_PASSWORD:?")
    assert DEPLOY["storage"]["postgres"]["postgres_db"]["password"] == {
        "env": "DAGSTER_PG_PASSWORD"
    }
    example = (REPO / "deploy" / "env.example").read_text()
    assert "DAGSTER_PG_PASSWORD=\n" in example  # the example holds no password
    assert ".env" in (REPO / ".gitignore").read_text().split()


@pytest.mark.parametrize("path", ["deploy/dagster.yaml", "deploy/k8s/dagster.yaml"])
def test_instance_files_are_valid_for_their_launchers(path, tmp_path):
    from dagster._config import validate_config
    from dagster._core.instance.config import dagster_instance_config

    (tmp_path / "dagster.yaml").write_text((REPO / path).read_text())
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["run_monitoring"]["enabled"] is True
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": "homeiq/job", "value": "cycle", "limit": 1} in limits
    launcher = config["run_launcher"]
    cls = getattr(importlib.import_module(launcher["module"]), launcher["class"])
    result = validate_config(cls.config_type(), launcher["config"])
    assert result.success, result.errors


def test_the_image_pretrains_models_and_the_entrypoint_seeds_them(tmp_path):
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "homeiq prepare-for-production" in dockerfile
    assert "COPY --from=models /opt/homeiq/pretrained" in dockerfile
    pretrained = tmp_path / "pretrained"
    (pretrained / "models" / "home_type").mkdir(parents=True)
    (pretrained / "models" / "manifest.json").write_text('{"models": {}}')
    (pretrained / "reports").mkdir()
    data = tmp_path / "data"
    env = {**os.environ, "HOMEIQ_DATA_DIR": str(data), "HOMEIQ_PRETRAINED_DIR": str(pretrained)}
    entry = str(REPO / "deploy" / "entrypoint.sh")
    out = subprocess.run(["sh", entry, "echo", "started"], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.splitlines()[-1] == "started"
    assert (data / "models" / "manifest.json").exists() and (data / "models" / "home_type").is_dir()
    (data / "models" / "manifest.json").write_text('{"models": {"mine": 1}}')
    subprocess.run(["sh", entry, "true"], env=env, check=True)
    assert "mine" in (data / "models" / "manifest.json").read_text()  # never overwritten


def test_the_executor_setting_spreads_steps(monkeypatch):
    import dagster as dg
    from dagster_k8s import k8s_job_executor

    from homeiq_assets.defs.shared.executors import ExecutorSettingError, job_executor

    monkeypatch.delenv("HOMEIQ_EXECUTOR", raising=False)
    assert job_executor() is dg.in_process_executor
    monkeypatch.setenv("HOMEIQ_EXECUTOR", "k8s")
    assert job_executor() is k8s_job_executor
    monkeypatch.setenv("HOMEIQ_EXECUTOR", "multiprocess")
    monkeypatch.setenv("HOMEIQ_WORKERS", "3")
    from homeiq_assets.settings import settings

    settings.cache_clear()
    try:
        assert job_executor().name == "multiprocess"
    finally:
        settings.cache_clear()
    monkeypatch.setenv("HOMEIQ_EXECUTOR", "spark")
    with pytest.raises(ExecutorSettingError, match="HOMEIQ_EXECUTOR: 'spark'"):
        job_executor()
