"""Every asset, check and job tells a user what it is, in words (no pointers into the design
document), and confusion matrices are drawn large enough to read."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from homeiq_assets.definitions import build_defs


def _texts() -> dict[str, str]:
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    texts = {k.to_user_string(): graph.get(k).description or "" for k in graph.get_all_asset_keys()}
    texts |= {
        f"check {k.name}": graph.get_check_spec(k).description or "" for k in graph.asset_check_keys
    }
    texts |= {
        f"job {j.name}": j.description or ""
        for j in defs.resolve_all_job_defs()
        if not j.name.startswith("__")  # Dagster's implicit job of all assets
    }
    return texts


def test_every_asset_check_and_job_has_a_plain_description():
    texts = _texts()
    assert len([k for k in texts if k.startswith("check ")]) >= 17
    missing = [k for k, v in texts.items() if len(v) < 30]
    assert not missing, missing
    cryptic = [k for k, v in texts.items() if "DESIGN" in v or "§" in v]
    assert not cryptic, cryptic


def test_confusion_matrices_are_large_enough_with_their_whole_title(tmp_path: Path):
    from homeiq_assets.ml.plots import confusion_png

    title = "pattern quality on the benchmark homes with the threshold chosen on validation homes"
    path = confusion_png([[5, 1], [2, 7]], ["no", "yes"], tmp_path / "cm.png", title)
    width, height = Image.open(path).size
    assert width >= 500 and height >= 400
