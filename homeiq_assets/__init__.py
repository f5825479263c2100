"""homeiq-assets: simulated Home Assistant homes with known ground truth, the detection stages a
smart-home AI runs over them, the labelled datasets they yield, and the models trained, gated
and deployed from those datasets. The plain core (`sim`, `collect`, `export`, `ml`) never
imports Dagster; `defs` and `definitions` are the Dagster layer and `cli` the command line."""
