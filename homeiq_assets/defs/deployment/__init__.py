"""Deployment stage: the model versions that passed their gates become the deployed versions,
and the production-readiness report is written."""
