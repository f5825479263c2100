"""Device health: daily telemetry of every device, shaped by a latent failure process.

Why a latent process: an earlier system labelled a sample "failing" when its own error rate,
battery or response time crossed a threshold, so any model scored ~99 % by re-learning the
threshold. Here the simulator first plants failure episodes (mode, precursor length,
severities) and telemetry anomalies, then draws noisy telemetry around per-device baselines
that the latent state shapes; every `gt_*` label is read off that latent state, never off the
row's own telemetry. Telemetry is reported at the precision real devices have, and anomalies
are planted as they occur, each episode recorded. Modules: `config` (modes, kinds, knobs),
`physics` (healthy operating points and normal bands), `devices` (inputs), `draws` (per-home
random numbers), `process` (the latent process and telemetry), `anomalies` (stuck, spike,
drift, dropout episodes), `reporting` (precision and cadence of each field), `table` (the
telemetry and episodes tables), `fleet` (a fleet's shards), `checks` (data-quality rules) and
`report` (learnability figures).
"""
