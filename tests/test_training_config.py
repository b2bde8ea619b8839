"""TrainConfig: numpy numbers accepted, booleans and floats refused where integers are needed, CLI metadata."""

import dataclasses
import json

import numpy as np
import pytest

from pendulum_zoo.training import TrainConfig, load_config, read_log, train

BALANCE = "pendulum_zoo/InvertedPendulum-v0"
PLAIN = dict(seed=3, population_size=12, episodes=2, threshold=2000.0, min_generations=0, max_generations=2,
             validation_episodes=2)


def test_numpy_numbers_train_exactly_as_python_numbers(tmp_path):
    numpy = dict(seed=np.int64(3), population_size=np.int64(12), episodes=np.int32(2), threshold=np.float32(2000.0),
                 min_generations=np.uint8(0), max_generations=np.int64(2), validation_episodes=np.int16(2),
                 hyperparameters={"elite_fraction": np.float64(0.25)})
    plain = {**PLAIN, "hyperparameters": {"elite_fraction": 0.25}}
    resolved = TrainConfig("mk1", BALANCE, **numpy).resolved()
    assert resolved == TrainConfig("mk1", BALANCE, **plain).resolved()
    assert all(type(getattr(resolved, name)) is type(value) for name, value in PLAIN.items())
    assert type(resolved.hyperparameters["elite_fraction"]) is float
    with_numpy = train(TrainConfig("mk1", BALANCE, **numpy), tmp_path / "numpy", workers=1)
    with_python = train(TrainConfig("mk1", BALANCE, **plain), tmp_path / "python", workers=1)
    assert np.array_equal(with_numpy.champion, with_python.champion)
    assert load_config(tmp_path / "numpy") == load_config(tmp_path / "python")
    strip = [{k: v for k, v in r.items() if k != "wall_time"} for r in read_log(tmp_path / "numpy" / "log.jsonl")]
    assert strip == [{k: v for k, v in r.items() if k != "wall_time"} for r in with_python.log]


@pytest.mark.parametrize(("name", "value", "error", "message"), (
    ("population_size", True, TypeError, "population_size must be an integer, got True"),
    ("population_size", 12.0, TypeError, "population_size must be an integer, got 12.0"),
    ("episodes", np.float64(2.0), TypeError, "episodes must be an integer"),
    ("episodes", np.bool_(True), TypeError, "episodes must be an integer"),
    ("min_generations", "0", TypeError, "min_generations must be an integer, got '0'"),
    ("max_generations", 2.5, TypeError, "max_generations must be an integer, got 2.5"),
    ("max_generations", 2**32, ValueError, "max_generations must be at most 4294967295"),
    ("validation_episodes", -1, ValueError, "validation_episodes must be at least 0, got -1"),
    ("validation_episodes", False, TypeError, "validation_episodes must be an integer, got False"),
    ("threshold", True, TypeError, "threshold must be a number, got True"),
    ("threshold", np.float32("inf"), ValueError, "threshold must be finite"),
    ("threshold", "1" * 500, TypeError, "threshold must be a number, got '1111.*\\(502 characters\\)"),
    ("seed", 3.0, TypeError, "seed must be an integer, got 3.0"),
    ("hyperparameters", [("initial_sigma", 0.3)], TypeError, "hyperparameters must be a mapping"),
))
def test_bad_numbers_are_refused_naming_the_field(name, value, error, message):
    with pytest.raises(error, match=message):
        TrainConfig("cma", BALANCE, **{**PLAIN, name: value}).resolved()


def test_a_run_configuration_file_is_checked(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(["mk1"]))
    with pytest.raises(ValueError, match=f"run configuration {tmp_path}/config.json is not valid: .*JSON object"):
        load_config(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"seed": 1}))
    with pytest.raises(ValueError, match="is not valid: the run configuration lacks algorithm, env_id"):
        load_config(tmp_path)


# the CLI generates `train`'s and `benchmark`'s options from these (contract 2): flag, help, default
def test_every_field_carries_its_cli_flag_and_help():
    options = {f.name: f.metadata for f in dataclasses.fields(TrainConfig)}
    assert list(options) == ["algorithm", "env_id", "seed", "population_size", "episodes", "threshold",
                             "min_generations", "max_generations", "validation_episodes", "hyperparameters"]
    assert all(meta.get("help") for meta in options.values())
    flags = {name: meta.get("flag", "--" + name.replace("_", "-")) for name, meta in options.items()
             if name != "algorithm"}
    assert flags == {"env_id": "--env", "seed": "--seed", "population_size": "--population",
                     "episodes": "--episodes", "threshold": "--threshold", "min_generations": "--min-generations",
                     "max_generations": "--max-generations", "validation_episodes": "--validation-episodes",
                     "hyperparameters": "--set"}
    assert "flag" not in options["algorithm"]  # the positional ALGO
    assert options["population_size"]["help"] == "default: 128 balance, 256 swing-up"
    assert options["threshold"]["help"].startswith("default: 999.5 balance, 880 swing-up; --resume may raise it")
    assert "mk1, mk2, cma-layerwise, cma" in options["algorithm"]["help"]
    assert "InvertedPendulumBulletEnv-v0" in options["env_id"]["help"]


def test_configurations_read_back_refuse_unknown_fields_by_one_rule():
    from pendulum_zoo.rl.ppo_config import PPOConfig

    with pytest.raises(ValueError, match=r"a run configuration has unknown field\(s\): bogus"):
        TrainConfig.from_dict({"algorithm": "mk1", "env_id": "InvertedPendulum-v0", "bogus": 1})
    with pytest.raises(ValueError, match=r"a sparse configuration has unknown field\(s\): drop"):
        PPOConfig.from_dict({**PPOConfig().to_dict(), "sparse": {"method": "set", "drop": 0.3}})
    with pytest.raises(ValueError, match="a PPO configuration must be a JSON object, got list"):
        PPOConfig.from_dict([])
