"""Collection (no Dagster): the detection stages a production smart-home AI runs over a home's
registry and events (`patterns`, `synergies`, `suggestions`, `home_profile`, `ask_ai`), the
automation YAML they write (`automation`), the labeller that alone reads ground truth
(`labels`), and the collector that validates, filters and stores each record with its lineage
(`collector`, `records`, `training_data`, `lineage`, `pipeline`)."""
