"""Fine-tuning: the model catalogue, cost estimates, the jobs service and the worker that drives providers."""
