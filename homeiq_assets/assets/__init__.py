"""Dagster assets by stage."""
