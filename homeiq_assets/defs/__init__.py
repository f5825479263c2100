"""The Dagster layer, one package per stage, loaded by `homeiq_assets.definitions` with
`dg.load_from_defs_folder` the way Dagster's `dg` projects are.

Every module here is thin: it loads inputs, calls the plain core (`sim`, `collect`, `export`,
`ml`), writes outputs atomically and attaches metadata. Stages: `simulation` (the fleet and
device health, their checks and the cycle job), `collection` (detection stages and training
data), `exports` (datasets and Home Assistant snapshots), `models` (benchmark fleet, one asset
per model, gates, the training job) and `deployment` (deployed models and the readiness
report). `shared` holds what every stage uses: the cycle partitions and the data-store
resource.
"""
