"""``pendulum-zoo train ppo`` and ``train_ppo()``: run folder, log, checkpoint, resume, Ctrl-C, card (tiny budgets)."""

import json

import numpy as np
import pytest

import pendulum_zoo.cli.ppo_training as ppo_training
from pendulum_zoo.cli import main
from pendulum_zoo.rl import PPOConfig, SparseConfig
from pendulum_zoo.storage.policy_file import load_policy
from pendulum_zoo.training import read_log, train_ppo
from pendulum_zoo.training.run_folder import read_log_lines

BALANCE = "pendulum_zoo/InvertedPendulum-v0"
TINY = ["--env", "InvertedPendulum-v0", "--settings", "paper", "--total-steps", "1536", "--num-envs", "2",
        "--num-steps", "256", "--set", "epochs=2", "--set", "minibatch_size=128", "--set", "actor_hidden=[16]",
        "--set", "critic_hidden=[16]"]


def timeless(records):
    return [{k: v for k, v in r.items() if k not in ("rollout_seconds", "update_seconds", "wall_time")}
            for r in records]


def test_train_ppo_writes_the_run_folder_and_a_loadable_sparse_champion(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "ppo", *TINY, "--sparse", "set", "--sparsity", "0.75", "--set", "update_interval=4",
            "--normalize-obs", "--out", str(out)]
    assert main(args) == 0
    assert "champion:" in capsys.readouterr().out
    log = read_log_lines(out / "log.jsonl", "iteration", 1)[0]
    assert [r["iteration"] for r in log] == [1, 2, 3] and log[-1]["env_steps"] == 1536
    net, card = load_policy(out / "champion.json")
    assert card["algorithm"] == "ppo-sparse" and card["sparse_method"] == "set"
    assert card["hyperparameters"]["sparse"]["sparsity"] == 0.75 and card["hyperparameters"]["normalize_obs"]
    assert card["tuned"]["num_envs"] == 2 and card["total_steps"] == 1536 and card["stop_reason"] == "total_steps"
    assert card["connections"] == net.connections and abs(net.sparsity - 0.75) < 0.02
    assert json.loads((out / "config.json").read_text())["sparse"]["method"] == "set"


def test_an_interrupted_run_resumed_from_the_cli_equals_the_uninterrupted_run(tmp_path, capsys):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main(["train", "ppo", *TINY, "--sparse", "rigl", "--set", "update_interval=4", "--out", str(whole)]) == 0
    config = ppo_training.ppo_config_from_args(
        _parse(["train", "ppo", *TINY, "--sparse", "rigl", "--set", "update_interval=4"]))

    def stop_after_one(record):
        if record["iteration"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_ppo(config, parts, callback=stop_after_one)
    assert len(read_log_lines(parts / "log.jsonl", "iteration", 1)[0]) == 1 and not (parts / "champion.json").exists()
    with open(parts / "log.jsonl", "a") as stream:  # a kill after logging iteration 2, before its checkpoint
        stream.write('{"iteration": 2, "env_steps": 1024}\n{"iteration": 3, "env_st')
    assert main(["train", "ppo", *TINY, "--sparse", "rigl", "--set", "update_interval=4", "--out", str(parts),
                 "--resume"]) == 0
    assert timeless(read_log_lines(parts / "log.jsonl", "iteration", 1)[0]) == \
        timeless(read_log_lines(whole / "log.jsonl", "iteration", 1)[0])
    a, card_a = load_policy(whole / "champion.json")
    b, card_b = load_policy(parts / "champion.json")
    assert all(np.array_equal(x, y) for x, y in zip(a.parameters() + a.masks, b.parameters() + b.masks))
    assert {k: v for k, v in card_a.items() if k != "wall_time_s"} == \
        {k: v for k, v in card_b.items() if k != "wall_time_s"}
    capsys.readouterr()
    assert main(["train", "ppo", *TINY, "--sparse", "rigl", "--seed", "1", "--out", str(parts), "--resume"]) == 2
    assert "made with different" in capsys.readouterr().err


def test_ctrl_c_in_the_cli_names_the_checkpoint_and_returns_130(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ppo_training, "train_ppo", interrupted)
    assert main(["train", "ppo", *TINY, "--out", str(tmp_path / "run")]) == 130
    assert "--resume" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["train", "mk1", "--env", "InvertedPendulum-v0", "--sparse", "rigl"], "--sparse is an option of 'train ppo'"),
    (["train", "ppo", "--env", "InvertedPendulum-v0", "--population", "8"], "--population is an option of the"),
    (["train", "ppo", "--env", "InvertedPendulum-v0", "--set", "bogus=1"], "unknown PPO setting(s) bogus"),
    (["train", "ppo", "--env", "InvertedPendulum-v0", "--sparsity", "0.5"], "dense training has sparsity 0"),
    (["train", "ppo", "--env", "InvertedPendulum-v0", "--num-envs", "0"], "num envs must be at least 1"),
])
def test_bad_ppo_options_are_refused_before_any_work(tmp_path, capsys, args, message):
    assert main([*args, "--out", str(tmp_path / "run")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_the_python_api_without_a_folder_and_the_default_settings():
    result = train_ppo(PPOConfig(env_id=BALANCE, total_steps=256, num_steps=128, num_envs=2, minibatch_size=128,
                                 epochs=1, actor_hidden=(8,), critic_hidden=(8,),
                                 sparse=SparseConfig("static", 0.5)))
    assert result.out_dir is None and len(result.log) == 1 and result.card["algorithm"] == "ppo-sparse"
    assert result.policy.batch_act(np.zeros((3, 5))).shape == (3,)
    with pytest.raises(ValueError, match="needs the run's folder"):
        train_ppo(PPOConfig(env_id=BALANCE), resume=True)


def _parse(argv):
    from pendulum_zoo.cli.parser import build_parser

    return build_parser().parse_args(argv)


def test_read_log_of_an_evolutionary_run_is_unchanged(tmp_path):
    (tmp_path / "log.jsonl").write_text('{"generation": 0}\n{"generation": 2}\n')
    with pytest.raises(ValueError, match="it should log generation 1, it holds generation 2"):
        read_log(tmp_path / "log.jsonl")


def test_tuned_settings_cover_every_task_and_paper_settings_are_the_defaults():
    from pendulum_zoo.envs.registration import ENV_SPECS
    from pendulum_zoo.rl.settings import changed_settings, ppo_config

    for env_id in ENV_SPECS:
        tuned = ppo_config(env_id, seed=3)
        assert tuned.env_id == env_id and tuned.seed == 3 and changed_settings(tuned), env_id
        assert ppo_config(env_id, settings="paper") == PPOConfig(env_id=env_id)
    assert ppo_config("InvertedPendulumSwingup-v0").normalize_obs  # rl-baselines3-zoo's start: normalised
    with pytest.raises(ValueError, match="settings must be one of tuned, paper, got 'tunde'"):
        ppo_config(BALANCE, settings="tunde")
