"""Collection stage: one asset per detection stage (patterns, synergies, suggestions, Ask-AI,
home profiles), the curated training data with lineage, and its blocking checks."""
