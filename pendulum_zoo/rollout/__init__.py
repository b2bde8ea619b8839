"""The rollout layer: episode seeds, many pendulums stepped together, worker processes, the population evaluator."""
