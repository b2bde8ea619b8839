"""The trainer: an ask/tell strategy, the population evaluator, a run folder that resumes.

One job per module: ``config`` (what defines a run), ``loop`` (``train()``), ``stopping`` (the stopping rule and
changing it), ``champion`` (choosing it on validation episodes), ``card`` (log records, the model card),
``state`` (the run's state), ``checkpoint`` (saving and checking it), ``run_folder`` (the folder's files and
lock), ``resume`` (opening a run). PPO runs: ``ppo_run`` (``train_ppo()``), ``ppo_checkpoint``, ``ppo_card``, in the
same run folder.
"""

from pendulum_zoo.training.config import VALIDATION_GENERATION, TrainConfig
from pendulum_zoo.training.loop import TrainResult, train
from pendulum_zoo.training.ppo_run import PPOTrainResult, train_ppo
from pendulum_zoo.training.run_folder import RunFolderLocked, load_config, read_log

__all__ = ["VALIDATION_GENERATION", "PPOTrainResult", "RunFolderLocked", "TrainConfig", "TrainResult", "load_config",
           "read_log", "train", "train_ppo"]
