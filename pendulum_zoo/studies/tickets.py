"""One lottery-ticket run: IMP (``rl/imp.py``) with PPO or behavioural cloning on one task and seed, the four
conditions trained at every sparsity level, scored with the protocol, checkpointed after every round.

A run lives in a folder (``training/run_folder.py``'s lock and file names): ``config.json`` (the
``TicketsConfig``) and ``checkpoint.npz``, one atomic file holding the arrays (initial weights, current masks,
each round's trained ticket) and, as a JSON string, the format, the round reached and one result row per
trained (round, condition). Resuming reloads it and continues; every random draw is a function of the seed and
the round, so a resumed run ends exactly where an uninterrupted one does.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable

import numpy as np

from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.networks.inputs import input_report
from pendulum_zoo.networks.mlp import MLP, MLPPolicy, RunningNormaliser
from pendulum_zoo.protocol.scoring import evaluate
from pendulum_zoo.rl import PPO, PPOConfig
from pendulum_zoo.rl.bc import BCConfig, article_teacher, collect, mlp_teacher, new_student, train_student
from pendulum_zoo.rl.imp import (
    CONDITIONS,
    IMP_ALGORITHMS,
    IMP_INITIALISATIONS,
    PRUNED_NETWORKS,
    IMPState,
    run_imp,
    start_state,
)
from pendulum_zoo.rl.ppo import ACTOR_OUTPUT_GAIN, CRITIC_OUTPUT_GAIN
from pendulum_zoo.rl.settings import SETTINGS, ppo_config
from pendulum_zoo.storage.fileio import read_json, read_npz, write_json, write_npz
from pendulum_zoo.training.run_folder import RunFolder
from pendulum_zoo.validation import check_fields, check_integer, check_number, quote

FORMAT, FORMAT_VERSION = "pendulum-zoo/tickets-checkpoint", 1
TRAINERS = tuple(IMP_ALGORITHMS)
OBS_SIZE = 5


@dataclasses.dataclass(frozen=True)
class TicketsConfig:
    trainer: str = "ppo"
    env_id: str = "pendulum_zoo/InvertedPendulum-v0"
    seed: int = 0
    rounds: int = 20  # pruning rounds: round r trains at 1 - 0.8^r sparsity (20 rounds: 1.2% of weights left)
    pruned: str = "actor"  # "actor" or "actor-critic" (PPO only)
    init: str = "kaiming"
    conditions: tuple[str, ...] = CONDITIONS
    hidden: tuple[int, ...] = (64, 64)
    ppo_steps: int = 49_152  # PPO env steps per training (balance: solved from this budget, tests/test_ppo.py)
    ppo_settings: str = "paper"  # PPO's other settings: the paper's defaults, or the task's "tuned" ones (rl/settings)
    teacher: str = "mk1"  # BC: the zoo champion distilled
    teacher_steps: int = 10_000
    teacher_noise: float = 0.3
    bc_epochs: int = 20
    eval_episodes: int = 10  # protocol episodes per trained network (seed 0: the protocol's evaluation seeds)
    # the actor's last layer starts at this gain (CleanRL's 0.01, as PPO); None: the scheme's own gain
    actor_output_gain: float | None = ACTOR_OUTPUT_GAIN

    def __post_init__(self) -> None:
        if self.trainer not in TRAINERS:
            raise ValueError(f"trainer must be one of {', '.join(TRAINERS)}, got {quote(self.trainer)}")
        object.__setattr__(self, "env_id", canonical_env_id(self.env_id))
        for name in ("seed", "rounds", "ppo_steps", "teacher_steps", "bc_epochs", "eval_episodes"):
            check_integer(name.replace("_", " "), getattr(self, name), 0 if name in ("seed", "rounds") else 1)
        check_number("teacher noise", self.teacher_noise, 0.0)
        if self.actor_output_gain is not None:
            check_number("actor output gain", self.actor_output_gain, positive=True)
        if self.pruned not in PRUNED_NETWORKS or (self.trainer == "bc" and self.pruned != "actor"):
            raise ValueError(f"pruned networks must be one of {', '.join(PRUNED_NETWORKS)} (bc: actor), "
                             f"got {quote(self.pruned)}")
        if self.ppo_settings not in SETTINGS:
            raise ValueError(f"ppo settings must be one of {', '.join(SETTINGS)}, got {quote(self.ppo_settings)}")
        if self.init not in IMP_INITIALISATIONS:
            raise ValueError(f"init must be one of {', '.join(IMP_INITIALISATIONS)}, got {quote(self.init)}")
        object.__setattr__(self, "conditions", tuple(self.conditions))
        object.__setattr__(self, "hidden", tuple(check_integer("hidden width", w, 1) for w in self.hidden))
        unknown = [c for c in self.conditions if c not in CONDITIONS]
        if unknown or "mask/weights" not in self.conditions:
            raise ValueError(f"conditions must include mask/weights and come from {', '.join(CONDITIONS)}, "
                             f"got {quote(self.conditions)}")

    @property
    def sizes(self) -> dict[str, tuple[int, ...]]:
        net = (OBS_SIZE, *self.hidden, 1)
        return {"actor": net, "critic": net} if self.trainer == "ppo" else {"actor": net}

    def ppo_config(self, seed: int) -> PPOConfig:
        """The PPO configuration of one training (every round's and condition's but for its seed)."""
        return ppo_config(self.env_id, seed=seed, settings=self.ppo_settings, total_steps=self.ppo_steps,
                          actor_hidden=self.hidden, critic_hidden=self.hidden)

    @property
    def normalises_observations(self) -> bool:
        """Whether a trained ticket carries an observation normaliser (PPO with normalised observations)."""
        return self.trainer == "ppo" and self.ppo_config(self.seed).normalize_obs

    @property
    def gains(self) -> dict[str, float | None]:
        return {"actor": self.actor_output_gain, "critic": CRITIC_OUTPUT_GAIN}

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict, what: str = "tickets config") -> TicketsConfig:
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in check_fields(cls, data, what).items()}
        try:
            return cls(**values)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{what}: {error}") from None


def ppo_trainer(config: TicketsConfig) -> Callable:
    def train(start: dict, seed: int):
        ppo = PPO(config.ppo_config(seed), initial=start)
        try:
            history = ppo.train()
        finally:
            ppo.close()
        returns = [h["mean_return"] for h in history if h["mean_return"] is not None]
        return {"actor": ppo.policy(), "critic": ppo.critic}, {"train_return": returns[-1] if returns else None}
    return train


def bc_trainer(config: TicketsConfig, teacher: Callable[[np.ndarray], np.ndarray]) -> Callable:
    bc = BCConfig(env_id=config.env_id, seed=config.seed, teacher_steps=config.teacher_steps,
                  teacher_noise=config.teacher_noise, epochs=config.bc_epochs, hidden=config.hidden)
    observations, targets, _ = collect(teacher, config.env_id, bc.teacher_steps, bc.num_envs, config.seed,
                                       bc.teacher_noise)

    def train(start: dict, seed: int):
        student = new_student(bc, OBS_SIZE, 1, start["actor"])
        stats = train_student(student, observations, targets, bc, seed)
        return {"actor": student}, {"bc_loss": stats["bc_loss"]}
    return train


def protocol_scorer(config: TicketsConfig) -> Callable[[MLP], dict]:
    def score(actor: MLP) -> dict:
        returns = evaluate(actor.act, config.env_id, episodes=config.eval_episodes, seed=0, workers=1).returns
        report = input_report(actor)
        return {"score": float(np.mean(returns)), "score_std": float(np.std(returns)),
                "live_inputs": list(report.live_dimensions), "input_weight": list(report.input_weight)}
    return score


def zoo_teacher(config: TicketsConfig) -> Callable[[np.ndarray], np.ndarray]:
    from pendulum_zoo.zoo import load_champion

    champion = load_champion(config.teacher, config.env_id)
    if isinstance(champion, MLPPolicy):  # PPO's and IMP's champions
        return mlp_teacher(champion.network)
    return article_teacher(champion.params)


# --- the checkpoint -----------------------------------------------------------------------------------------

def save_checkpoint(path: str, config: TicketsConfig, state: IMPState) -> None:
    arrays = {"meta": np.array(json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION,
                                           "config": config.to_dict(), "round": state.round, "rows": state.rows}))}
    for group, nets in (("initial", state.initial), ("masks", state.masks)):
        for name, matrices in nets.items():
            for k, matrix in enumerate(matrices):
                arrays[f"{group}.{name}.{k}"] = matrix
    for r, params in enumerate(state.tickets):
        for k, array in enumerate(params):
            arrays[f"ticket.{r}.{k}"] = array
    write_npz(path, arrays)


def load_checkpoint(path: str, config: TicketsConfig) -> IMPState:
    """The state in ``path``, checked against ``config`` (the rounds may differ: a run can be extended)."""
    arrays = read_npz(path, "tickets checkpoint")
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except (KeyError, ValueError):
        raise ValueError(f"tickets checkpoint {path} has no readable meta record") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} is not a version-{FORMAT_VERSION} tickets checkpoint")
    saved = TicketsConfig.from_dict(meta.get("config"), f"the config in {path}")
    if dataclasses.replace(saved, rounds=config.rounds) != config:
        raise ValueError(f"tickets checkpoint {path} belongs to another run: {quote(saved.to_dict(), 400)}")
    done = check_integer(f"round of {path}", meta.get("round"), 0)

    def take(key: str, shape: tuple) -> np.ndarray:
        array = arrays.get(key)
        if array is None or array.shape != shape or array.dtype != np.float64 or not np.all(np.isfinite(array)):
            raise ValueError(f"tickets checkpoint {path}: array {key} is missing or damaged (expected {shape})")
        return array

    shapes = {name: [(a, b) for a, b in zip(s[:-1], s[1:])] for name, s in config.sizes.items()}
    initial = {name: [take(f"initial.{name}.{k}", shape) for k, shape in enumerate(net)]
               for name, net in shapes.items()}
    masks = {name: [take(f"masks.{name}.{k}", shape) for k, shape in enumerate(shapes[name])]
             for name in PRUNED_NETWORKS[config.pruned]}
    if any(not np.all((m == 0) | (m == 1)) for net in masks.values() for m in net):
        raise ValueError(f"tickets checkpoint {path}: a mask holds values other than 0 and 1")
    param_shapes = shapes["actor"] + [(b,) for _, b in shapes["actor"]]
    param_shapes += [(OBS_SIZE,), (OBS_SIZE,)] if config.normalises_observations else []  # rl/imp.py ticket_arrays
    tickets = [[take(f"ticket.{r}.{k}", shape) for k, shape in enumerate(param_shapes)] for r in range(done)]
    rows = meta.get("rows")
    if not isinstance(rows, list) or any(not isinstance(row, dict) for row in rows):
        raise ValueError(f"tickets checkpoint {path}: rows must be a list of objects")
    return IMPState(initial, masks, done, rows, tickets)


def ticket_network(config: TicketsConfig, params: list[np.ndarray]) -> MLP:
    """A trained ticket (``IMPState.tickets[r]``, ``rl/imp.py`` ``ticket_arrays``) as an MLP, with its frozen
    observation normaliser when it has one."""
    count = len(config.sizes["actor"]) - 1
    normaliser = None
    if config.normalises_observations:
        normaliser = RunningNormaliser(OBS_SIZE, params[2 * count], params[2 * count + 1], frozen=True)
    return MLP(config.sizes["actor"], weights=params[:count], biases=params[count:2 * count],
               masks=[(w != 0).astype(float) for w in params[:count]], normaliser=normaliser)


def run_tickets(folder: str, config: TicketsConfig, *, stop_after: int | None = None,
                on_round: Callable[[IMPState, float], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> IMPState:
    """Run (or resume) the IMP run in ``folder`` to ``config.rounds``; ``stop_after`` ends after that many new
    rounds, ``should_stop()`` (asked after each round) when it returns True; ``on_round(state, seconds)`` after
    each round's checkpoint."""
    run = RunFolder(folder)
    with run.locked(create=True):
        if run.holds_run():
            state = load_checkpoint(run.checkpoint, config)
        else:
            state = start_state(config.sizes, config.seed, config.init, PRUNED_NETWORKS[config.pruned], config.gains)
        write_json(run.config, config.to_dict())
        if state.round > config.rounds:
            return state
        train = ppo_trainer(config) if config.trainer == "ppo" else bc_trainer(config, zoo_teacher(config))
        first, started = state.round, [time.perf_counter()]

        def after_round(current: IMPState) -> bool:
            save_checkpoint(run.checkpoint, config, current)
            if on_round is not None:
                on_round(current, time.perf_counter() - started[0])
            started[0] = time.perf_counter()
            return ((stop_after is not None and current.round - first >= stop_after)
                    or (should_stop is not None and should_stop()))

        return run_imp(state, config.rounds, seed=config.seed, scheme=config.init, sizes=config.sizes,
                       pruned=PRUNED_NETWORKS[config.pruned], gains=config.gains, train=train,
                       score=protocol_scorer(config), conditions=config.conditions, on_round=after_round)


RESULTS_FILE, RESULTS_FORMAT = "results.json", "pendulum-zoo/tickets-rows"  # a run's rows, kept beside its config


def save_results(folder: str, state: IMPState) -> None:
    """The run's rows and rounds done as ``results.json``: what stays in the repository when the checkpoint (not
    committed) is gone."""
    write_json(os.path.join(folder, RESULTS_FILE), {"format": RESULTS_FORMAT, "format_version": 1,
                                                    "rounds_done": state.round, "rows": state.rows})


def read_run(folder: str) -> tuple[TicketsConfig, IMPState]:
    run = RunFolder(folder)
    config = TicketsConfig.from_dict(read_json(run.config, "tickets config"))
    return config, load_checkpoint(run.checkpoint, config)
