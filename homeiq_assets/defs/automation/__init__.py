"""Automation stage: the nightly schedule that adds one cycle partition per tick and launches
its run (never overlapping a cycle that is really in progress), and the three sensors — data
sufficiency and model degradation, which request one retraining run of a model, and run failure,
which records failed cycle and training runs. `liveness` tells a live run from a dead one."""
