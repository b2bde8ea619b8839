"""``checkpoint.npz`` of a PPO run: its whole state at a rollout boundary (``rl.ppo_state``).

The arrays (``ppo/<name>``) beside a JSON header (``header``, bytes, as the evolutionary checkpoint's) holding the
format and version, the PPO state's JSON part (configuration, counters, generator states, the vector env's
meta) and the run's own state (wall time, stop reason). Loaded with ``allow_pickle=False``; every part is checked
before the run goes on, and a damaged or mismatched file is refused with a message naming it.
"""

from __future__ import annotations

from typing import Any

from pendulum_zoo._version import __version__
from pendulum_zoo.rl import PPO, PPOConfig
from pendulum_zoo.storage.fileio import read_npz, write_npz
from pendulum_zoo.training.checkpoint import header_array, read_header
from pendulum_zoo.validation import check_number, quote

PPO_CHECKPOINT_FORMAT = "pendulum-zoo/ppo-checkpoint"
PPO_CHECKPOINT_VERSION = 1
PPO_STOP_REASONS = ("total_steps",)


def save_ppo_checkpoint(path: str, ppo: PPO, run: dict[str, Any]) -> None:
    """Write ``ppo``'s state and the run's (``{"wall_time": s, "stop_reason": None or "total_steps"}``)."""
    state = ppo.state()
    header = {"format": PPO_CHECKPOINT_FORMAT, "format_version": PPO_CHECKPOINT_VERSION,
              "package_version": __version__, "ppo": state["meta"], "run": run}
    arrays = {f"ppo/{name}": value for name, value in state["arrays"].items()}
    arrays["header"] = header_array(header)
    write_npz(path, arrays)


def load_ppo_checkpoint(path: str) -> tuple[PPO, dict[str, Any]]:
    """``(ppo, run)``: a PPO made from the checkpoint's configuration and put in its state, and the run's state.
    ValueError naming the file if it is damaged, incomplete or inconsistent."""
    arrays = read_npz(path, "checkpoint")
    header = read_header(path, arrays.pop("header", None), "PPO ", PPO_CHECKPOINT_FORMAT, PPO_CHECKPOINT_VERSION)
    meta, run = header.get("ppo"), header.get("run")
    if not isinstance(meta, dict) or not isinstance(run, dict):
        raise ValueError(f"checkpoint {path} lacks its PPO state or run state: it is damaged or was not written "
                         f"by pendulum-zoo")
    try:
        config = PPOConfig.from_dict(meta.get("config"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"checkpoint {path} holds a bad PPO configuration: {error}") from None
    if sorted(run) != ["stop_reason", "wall_time"] or run["stop_reason"] not in (None, *PPO_STOP_REASONS):
        raise ValueError(f"checkpoint {path}: its run state must hold wall_time and stop_reason (null or "
                         f"{', '.join(PPO_STOP_REASONS)}), got {quote(run)}")
    try:
        check_number("run.wall_time", run["wall_time"], 0.0)
    except (TypeError, ValueError) as error:
        raise ValueError(f"checkpoint {path}: {error}") from None
    ppo = PPO(config)
    try:
        ppo.load_state({"meta": meta, "arrays": {name.removeprefix("ppo/"): value for name, value in arrays.items()
                                                 if name.startswith("ppo/")}})
    except (TypeError, ValueError) as error:
        ppo.close()
        raise ValueError(f"checkpoint {path} holds a damaged PPO state: {error}") from None
    except BaseException:
        ppo.close()
        raise
    if (run["stop_reason"] is not None) != (ppo.iteration >= config.iterations):
        ppo.close()
        raise ValueError(f"checkpoint {path}: iteration {ppo.iteration} of {config.iterations} does not fit its "
                         f"stop reason {quote(run['stop_reason'])}")
    return ppo, run
