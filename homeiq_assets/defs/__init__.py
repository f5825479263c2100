"""The Dagster layer, one package per stage, loaded by `homeiq_assets.definitions` with
`dg.load_from_defs_folder` the way Dagster's `dg` projects are.

Every module here is thin: it loads inputs, calls the plain core (`sim`, `collect`, `export`,
`ml`), writes outputs atomically and attaches metadata. Stages: `simulation` (the fleet and
device health, their checks and the cycle job), `collection` (detection stages and training
data), `exports` (datasets and Home Assistant snapshots), `models` (benchmark fleet, each
model's challenger and A/B evaluation with its gate, the training jobs), `deployment` (each
model's champion, its monitoring on every new cycle, the rollback job) and `automation` (the
nightly schedule and the retraining and run-failure sensors). `shared` holds what every stage
uses: the cycle partitions and the data-store resource.
"""
