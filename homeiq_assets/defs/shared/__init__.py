"""What every Dagster stage shares: the `cycle` dynamic partitions (`partitions`) and the data
store resource that maps an asset's partition to its folder (`resources`). No definitions are
declared here; the `HOMEIQ_*` settings they read are plain configuration in
`homeiq_assets.settings`, shared with the core and the command line."""
