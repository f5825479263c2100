"""`homeiq models`: list the registered model versions, deploy one, roll back."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from homeiq_assets.cli.common import UsageError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="list, deploy and roll back versions in the model registry",
        description="The versioned model registry (default <HOMEIQ_DATA_DIR>/models).",
    )
    actions = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="every version: created, key metrics, gate, deployed")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    dep = actions.add_parser("deploy", help="deploy a version (its checksums are verified)")
    dep.add_argument("model", help="model name, e.g. home_type")
    dep.add_argument("version", help="version, e.g. v0001")
    dep.add_argument(
        "--allow-low-quality",
        action="store_true",
        help="deploy even though the version failed its quality gate",
    )
    rb = actions.add_parser("rollback", help="go back to the previously deployed version")
    rb.add_argument("model", help="model name, e.g. home_type")
    rb.add_argument("--to", default=None, help="this version instead of the previous one")
    for q in (ls, dep, rb):
        q.add_argument("--root", default=None, help="registry folder (default: data dir/models)")


def _registry(args: argparse.Namespace):
    from homeiq_assets.ml.registry import ModelRegistry

    if args.root is None:
        return ModelRegistry()
    root = Path(args.root).expanduser()
    if root.exists() and not root.is_dir():
        raise UsageError(f"--root: {args.root} is not a directory")
    if args.models_command != "list" and not root.is_dir():
        raise UsageError(f"--root: {args.root} does not exist")
    return ModelRegistry(root)


def cmd_models(args: argparse.Namespace) -> int:
    from homeiq_assets.ml.registry import RegistryError

    registry = _registry(args)
    try:
        if args.models_command == "list":
            return _list(registry, args.json)
        if args.models_command == "deploy":
            record = registry.deploy(
                args.model, args.version, allow_low_quality=args.allow_low_quality
            )
        else:
            record = registry.rollback(args.model, args.to)
    except RegistryError as exc:
        raise UsageError(" ".join(str(exc).split())) from None
    before = record.get("from")
    print(
        f"{args.model}: {record['version']} deployed"
        + (f" (was {before})" if before and before != record["version"] else "")
        + f"; manifest {registry.root / 'manifest.json'}"
    )
    return 0


def _list(registry, as_json: bool) -> int:
    from homeiq_assets.ml.registry import gate_passed, key_metrics

    rows = []
    for model in registry.models():
        deployed = registry.deployed(model)
        for meta in registry.versions(model):
            rows.append(
                {
                    "model": model,
                    "version": meta["version"],
                    "created": meta.get("created_at", ""),
                    "metrics": key_metrics(model, meta),
                    "gate_passed": gate_passed(meta),
                    "allow_low_quality": meta.get("allow_low_quality", False),
                    "deployed": meta["version"] == deployed,
                }
            )
    if as_json:
        json.dump({"root": str(registry.root), "versions": rows}, sys.stdout, indent=2)
        print()
        return 0
    if not rows:
        print(f"no models registered in {registry.root}")
        return 0
    table = [
        {
            "model": r["model"],
            "version": r["version"],
            "created": r["created"],
            "key metrics": " ".join(f"{k}={v:.3f}" for k, v in r["metrics"].items()) or "-",
            "gate": {True: "passed", False: "FAILED", None: "-"}[r["gate_passed"]],
            "deployed": "*" if r["deployed"] else "",
        }
        for r in rows
    ]
    cols = list(table[0])
    widths = {c: max(len(c), *(len(t[c]) for t in table)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols).rstrip())
    for t in table:
        print("  ".join(t[c].ljust(widths[c]) for c in cols).rstrip())
    return 0


COMMANDS = {"models": cmd_models}
