"""Behavioural cloning: a student MLP distilled from a teacher on the teacher's own trajectories.

Vischer, Lange and Sprekeler 2022, section 2 ("Supervised Behavioral Cloning"): "We roll out a pre-trained
expert policy and train the student agent by minimizing the [gap] between the student's and teacher's
policies". Our teachers (the zoo's champions) are deterministic, so the gap is the squared difference of the
actions, averaged over the teacher's states. The data set is collected once, on the native vector env
(``gymnasium.make_vec``), seeded, with optional Gaussian noise on the executed action (the label stays the
teacher's clean action) to visit states a little off the teacher's path. Budget defaults follow the paper's
Cart-Pole BC (appendix C.1, Table 2): 10,000 environment steps, Adam with learning rate 0.001.

A teacher is any batch policy: ``teacher(observations (J, obs)) -> actions (J,)`` (or ``(J, 1)``).
The student keeps a fixed mask (``initial``), as IMP needs; masking uses ``sparse.py``'s dense trainer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import gymnasium
import numpy as np

from pendulum_zoo.envs.registration import canonical_env_id
from pendulum_zoo.networks import policy as article
from pendulum_zoo.networks.mlp import INITIALISATIONS, MLP, init_weights
from pendulum_zoo.rl.adam import Adam
from pendulum_zoo.rl.ppo import ACTOR_OUTPUT_GAIN
from pendulum_zoo.rl.sparse import SparseConfig, SparseTrainer
from pendulum_zoo.validation import check_integer, check_number, quote

Teacher = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass(frozen=True)
class BCConfig:
    env_id: str = "pendulum_zoo/InvertedPendulum-v0"
    seed: int = 0
    teacher_steps: int = 10_000  # transitions collected, over all copies (Table 2: 10.000 environment steps)
    num_envs: int = 10
    # std of Gaussian noise on the executed action: the paper's experts are stochastic; a deterministic champion
    # without noise shows only its own narrow path (balance: a student cloned without it scored 744 of 1000)
    teacher_noise: float = 0.3
    epochs: int = 20
    minibatch_size: int = 64
    learning_rate: float = 1e-3  # Table 2
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    init: str = "kaiming"

    def __post_init__(self) -> None:
        object.__setattr__(self, "env_id", canonical_env_id(self.env_id))
        for name in ("seed", "teacher_steps", "num_envs", "epochs", "minibatch_size"):
            check_integer(name.replace("_", " "), getattr(self, name), 0 if name == "seed" else 1)
        check_number("teacher noise", self.teacher_noise, 0.0)
        check_number("learning rate", self.learning_rate, 0.0, positive=True)
        if not isinstance(self.hidden, (tuple, list)):
            raise TypeError(f"hidden widths must be a sequence of integers, got {quote(self.hidden)}")
        object.__setattr__(self, "hidden", tuple(check_integer("hidden width", w, 1) for w in self.hidden))
        if self.init not in INITIALISATIONS:
            raise ValueError(f"init must be one of {', '.join(INITIALISATIONS)}, got {quote(self.init)}")

    def sizes(self, obs_size: int, act_size: int = 1) -> tuple[int, ...]:
        return (obs_size, *self.hidden, act_size)


def article_teacher(params: np.ndarray) -> Teacher:
    """The article's network (``networks/policy.py``, e.g. a zoo champion's ``.params``) as a batch policy."""
    population = article.as_population(params)
    return lambda observations: article.forward(population, np.asarray(observations)[None])[0]


def mlp_teacher(network: MLP) -> Teacher:
    return lambda observations: network.forward(observations)


def collect(teacher: Teacher, env_id: str, steps: int, num_envs: int, seed: int, noise: float = 0.0,
            observe: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """The teacher's own trajectories: ``(observations (N, obs), actions (N, act), finished episode returns)``.

    ``num_envs`` copies run ``ceil(steps / num_envs)`` steps from ``reset(seed=seed)``; the step after an
    episode's end (an autoreset: its action is ignored) is left out, so N is a little below the step count
    when episodes end. ``observe`` maps raw observations to what
    the student sees (e.g. a subset of dimensions); the teacher always sees them whole."""
    envs = gymnasium.make_vec(canonical_env_id(env_id), num_envs=num_envs)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    try:
        obs = np.asarray(envs.reset(seed=seed)[0], dtype=np.float64)
        autoreset = np.zeros(num_envs, dtype=bool)
        running, finished = np.zeros(num_envs), []
        kept_obs, kept_actions = [], []
        low, high = envs.single_action_space.low, envs.single_action_space.high
        for _ in range(-(-steps // num_envs)):
            action = np.asarray(teacher(obs), dtype=np.float64).reshape(num_envs, -1)
            valid = ~autoreset
            kept_obs.append((obs if observe is None else observe(obs))[valid])
            kept_actions.append(action[valid])
            executed = action + noise * rng.standard_normal(action.shape) if noise else action
            raw, reward, terminated, truncated, _ = envs.step(np.clip(executed, low, high).astype(np.float32))
            running += np.where(valid, reward, 0.0)
            done = (terminated | truncated) & valid
            finished += [float(value) for value in running[done]]
            running[done] = 0.0
            autoreset = done
            obs = np.asarray(raw, dtype=np.float64)
    finally:
        envs.close()
    return np.concatenate(kept_obs), np.concatenate(kept_actions), finished


def train_student(student: MLP, observations: np.ndarray, targets: np.ndarray, config: BCConfig,
                  seed: int) -> dict:
    """Minimise the mean squared gap between ``student(observations)`` and ``targets`` with Adam, in shuffled
    minibatches, for ``config.epochs`` passes; the student's masks stay fixed. Returns loss statistics."""
    rows = observations.shape[0]
    batches = -(-rows // config.minibatch_size)
    layers = [(w, m, k) for k, (w, m) in enumerate(zip(student.weights, student.masks))]
    masking = SparseTrainer(SparseConfig("dense", weight_decay=0.0), layers, [list(range(len(layers)))],
                            config.epochs * batches, np.random.default_rng(0))
    optimiser = Adam(student.parameters(), config.learning_rate)
    shuffle = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    losses = []
    step = 0
    for _ in range(config.epochs):
        order, total = shuffle.permutation(rows), 0.0
        for start in range(0, rows, config.minibatch_size):
            batch = order[start:start + config.minibatch_size]
            out, activations = student.forward_layers(observations[batch])
            gap = out - targets[batch]
            total += float(np.sum(gap * gap))
            # d/d out of mean_rows sum_actions gap^2
            grad_w, grad_b = student.backward(activations, 2.0 * gap / batch.size)
            grads = [*grad_w, *grad_b]
            masking.mask_gradients(grads)
            optimiser.step(grads)
            step += 1
            masking.after_step(step, grads, optimiser)
        losses.append(total / rows)
    return {"bc_loss_first_epoch": losses[0], "bc_loss": losses[-1], "bc_samples": rows}


def new_student(config: BCConfig, obs_size: int, act_size: int = 1, initial: tuple | None = None,
                rng: np.random.Generator | None = None) -> MLP:
    """A student MLP: from ``initial`` ``(masks, weights)`` (IMP), or dense, initialised as PPO's actor."""
    sizes = config.sizes(obs_size, act_size)
    if initial is not None:
        masks, weights = initial
        return MLP(sizes, activation=config.activation, masks=masks,
                   weights=[np.asarray(w) * m for w, m in zip(weights, masks)])
    rng = rng if rng is not None else np.random.default_rng(np.random.SeedSequence([config.seed, 3]))
    weights = init_weights(sizes, rng, scheme=config.init, activation=config.activation, output_gain=ACTOR_OUTPUT_GAIN)
    return MLP(sizes, activation=config.activation, weights=weights)


def behavioural_cloning(teacher: Teacher, config: BCConfig, initial: tuple | None = None,
                        data: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[MLP, dict]:
    """Collect the teacher's trajectories (or use ``data``), train a student; returns it and its statistics."""
    if data is None:
        data = collect(teacher, config.env_id, config.teacher_steps, config.num_envs, config.seed,
                       config.teacher_noise)[:2]
    observations, targets = data
    student = new_student(config, observations.shape[1], targets.shape[1], initial)
    stats = train_student(student, observations, targets, config, config.seed)
    return student, stats
