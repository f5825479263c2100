"""Deployment stage: per model, the champion asset that promotes a challenger or keeps the
champion (recorded in the retraining history), the per-cycle monitoring of each champion on
homes it never saw, and the rollback job that moves a champion back to its previous version."""
