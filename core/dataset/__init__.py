"""Training data: the readiness gate now; dataset versions, validation and exports build on it."""
