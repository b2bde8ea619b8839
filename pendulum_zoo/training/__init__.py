"""The trainer: an ask/tell strategy, the population evaluator, a run folder that resumes."""

from pendulum_zoo.training.trainer import (
    VALIDATION_GENERATION,
    TrainConfig,
    TrainResult,
    load_config,
    read_log,
    train,
)

__all__ = ["VALIDATION_GENERATION", "TrainConfig", "TrainResult", "load_config", "read_log", "train"]
