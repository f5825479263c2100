"""Simulation stage: the fleet simulation (homes, events, occupancy, environment, ground truth),
device health derived from it, their blocking data checks, and the cycle job."""
