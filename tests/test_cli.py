"""The pendulum-zoo command: thin, with clear errors and a resumable train command."""

import json

import numpy as np
import pytest

from pendulum_zoo.cli import main
from pendulum_zoo.cli.options import parse_assignments


def test_demo_prints_one_episode_per_task(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "InvertedPendulumSwingupWide-v0" in out and "-2..2" in out


def test_train_writes_a_run_folder_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "mk1", "--env", "InvertedPendulum-v0", "--seed", "1", "--workers", "1", "--out", str(out),
            "--population", "8", "--episodes", "1", "--min-generations", "0", "--max-generations", "2",
            "--threshold", "5000"]
    assert main(args) == 0
    assert {p.name for p in out.iterdir()} == {"config.json", "log.jsonl", "checkpoint.npz", "champion.json"}
    assert "champion" in capsys.readouterr().out
    assert main(args) == 2  # an existing run is never overwritten ...
    assert "--resume" in capsys.readouterr().err  # errors go to stderr
    assert main(args + ["--resume"]) == 0  # ... but can be resumed


@pytest.mark.parametrize(("argv", "message"), (
    (["train", "sgd", "--env", "InvertedPendulum-v0"], "unknown algorithm"),
    (["train", "mk1", "--env", "CartPole-v1"], "unknown environment"),
    (["train", "mk1", "--env", "InvertedPendulum-v0", "--population", "1"], "population_size must be at least 2"),
    (["train", "mk1", "--env", "InvertedPendulum-v0", "--episodes", "0"], "episodes must be at least 1"),
    (["train", "mk1", "--env", "InvertedPendulum-v0", "--set", "bogus=1"], "unknown hyperparameter"),
    (["train", "mk1", "--env", "InvertedPendulum-v0", "--workers", "0"], "workers must be a positive integer"),
))
def test_bad_training_arguments_get_clear_errors(tmp_path, capsys, argv, message):
    assert main(argv + ["--out", str(tmp_path / "run")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_threshold_must_be_a_number(capsys):
    with pytest.raises(SystemExit):
        main(["train", "mk1", "--env", "InvertedPendulum-v0", "--threshold", "abc"])
    assert "invalid float value" in capsys.readouterr().err


def test_set_values_are_read_as_json_where_possible():
    assert parse_assignments(["a=0.5", "b=true", "c=text"]) == {"a": 0.5, "b": True, "c": "text"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_assignments(["novalue"])
    json.dumps(parse_assignments(["x=[1, 2]"]))


def test_evaluate_prints_the_report_and_writes_json_and_markdown(tmp_path, capsys):
    json_path, markdown_path = tmp_path / "r.json", tmp_path / "r.md"
    assert main(["evaluate", "random", "--env", "InvertedPendulum-v0", "--episodes", "5", "--workers", "1",
                 "--noise", "0,0.1", "--json", str(json_path), "--markdown", str(markdown_path)]) == 0
    out = capsys.readouterr().out
    assert "mean +/- std" in out and "observation noise std 0.1" in out
    assert json.loads(json_path.read_text())["completed_episodes"] == 5
    assert markdown_path.read_text().startswith("| algo | env_id | mean_reward")


@pytest.mark.parametrize(("argv", "message"), (
    (["evaluate", "random", "--env", "InvertedPendulum-v0", "--noise", "0,abc"], "--noise expects"),
    (["evaluate", "random", "--env", "InvertedPendulum-v0", "--episodes", "0"], "episodes must be a positive"),
    (["evaluate", "random", "--env", "Pendulum-v1"], "unknown environment"),
    (["evaluate", "nobody", "--env", "InvertedPendulum-v0"], "not a champion name"),
    (["benchmark", "mk1", "--env", "InvertedPendulum-v0", "--seeds", "0,x"], "--seeds expects"),
    (["benchmark", "mk1", "--env", "InvertedPendulum-v0", "--population", "1"], "population_size must be"),
))
def test_bad_evaluation_arguments_get_clear_errors(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_benchmark_trains_each_seed_and_prints_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "40")  # as in a pipe: the Markdown row must still be one line
    assert main(["benchmark", "cma", "--env", "InvertedPendulum-v0", "--seeds", "0,1", "--workers", "1",
                 "--out", str(tmp_path), "--population", "8", "--episodes", "1", "--min-generations", "0",
                 "--max-generations", "2", "--eval-episodes", "3", "--json", str(tmp_path / "b.json")]) == 0
    out = capsys.readouterr().out
    assert "| Method | Env | Steps to solve" in out
    markdown = [line for line in out.splitlines() if line.startswith("|")]
    assert len(markdown) == 3 and all(line.endswith("|") for line in markdown)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["cma-InvertedPendulum-v0-s0",
                                                                        "cma-InvertedPendulum-v0-s1"]
    document = json.loads((tmp_path / "b.json").read_text())
    assert [run["seed"] for run in document["runs"]] == [0, 1]


def test_train_and_benchmark_options_are_trainconfig_fields_with_its_defaults():
    import argparse
    import dataclasses

    from pendulum_zoo.cli.parser import build_parser
    from pendulum_zoo.cli.training import config_overrides
    from pendulum_zoo.training import TrainConfig

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for command, excluded in (("train", set()), ("benchmark", {"seed"})):
        actions = {action.dest: action for action in commands[command]._actions}
        for field in dataclasses.fields(TrainConfig):
            if field.name in excluded:
                assert field.name not in actions
                continue
            assert field.name in actions, (command, field.name)
            if field.name not in ("algorithm", "env_id"):  # the CLI repeats no default: the field's applies
                assert actions[field.name].default is argparse.SUPPRESS, (command, field.name)
    args = parser.parse_args(["train", "mk1", "--env", "InvertedPendulum-v0", "--episodes", "3", "--set", "a=1"])
    assert config_overrides(args) == {"algorithm": "mk1", "env_id": "InvertedPendulum-v0", "episodes": 3,
                                      "hyperparameters": {"a": 1}}
    args = parser.parse_args(["train", "mk1", "--env", "InvertedPendulum-v0"])
    assert TrainConfig(**config_overrides(args)) == TrainConfig("mk1", "InvertedPendulum-v0")
    args = parser.parse_args(["benchmark", "cma", "--env", "InvertedPendulum-v0", "--population", "8",
                              "--threshold", "12.5"])
    assert config_overrides(args) == {"algorithm": "cma", "env_id": "InvertedPendulum-v0", "population_size": 8,
                                      "threshold": 12.5, "hyperparameters": {}}


def test_evaluate_forwards_timeout_to_the_protocol(monkeypatch, capsys):
    import pendulum_zoo

    real_evaluate = pendulum_zoo.evaluate
    seen = []

    def recording_evaluate(agent, env_id, *args, **kwargs):
        seen.append(kwargs.pop("timeout", "not given"))
        return real_evaluate(agent, env_id, *args, **kwargs)
    monkeypatch.setattr(pendulum_zoo, "evaluate", recording_evaluate)
    base = ["evaluate", "random", "--env", "InvertedPendulum-v0", "--episodes", "2", "--workers", "1"]
    assert main(base + ["--timeout", "2.5"]) == 0
    assert main(base) == 0
    assert seen == [2.5, "not given"]  # no option: the protocol's default (no limit)


@pytest.fixture
def policy_file(tmp_path):
    from pendulum_zoo.networks.policy import NUM_PARAMS
    from pendulum_zoo.storage.policy_file import save_policy

    params = np.zeros(NUM_PARAMS)
    params[[3, 2 * 32 + 3, 160 + 3]] = 1.0
    path = tmp_path / "balancer.json"
    save_policy(path, params, {"algorithm": "mk1", "env_id": "pendulum_zoo/InvertedPendulum-v0"})
    return path


def test_show_and_enjoy_take_a_policy_file(tmp_path, monkeypatch, capsys, policy_file):
    monkeypatch.chdir(tmp_path)
    assert main(["show", str(policy_file)]) == 0
    assert (tmp_path / "balancer-network.svg").read_text().startswith("<?xml")
    assert "mk1 policy file" in capsys.readouterr().out
    assert main(["enjoy", str(policy_file), "--frame-every", "50", "--out", "e.png"]) == 0  # the card's task
    out, err = capsys.readouterr()
    assert "InvertedPendulum-v0" in out and (tmp_path / "e.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "warning" not in err


def test_a_network_used_on_another_task_than_its_own_gets_a_warning(tmp_path, capsys, policy_file):
    assert main(["evaluate", str(policy_file), "--env", "InvertedPendulumWide-v0", "--episodes", "2",
                 "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "trained on pendulum_zoo/InvertedPendulum-v0" in err
    assert "scored on pendulum_zoo/InvertedPendulumWide-v0" in err
    assert main(["evaluate", str(policy_file), "--env", "InvertedPendulumBulletEnv-v0", "--episodes", "2",
                 "--workers", "1"]) == 0  # another name of the same task
    assert "warning" not in capsys.readouterr().err
    assert main(["enjoy", str(policy_file), "--env", "InvertedPendulumSwingup-v0", "--frame-every", "500",
                 "--out", str(tmp_path / "e.png")]) == 0
    assert "shown on pendulum_zoo/InvertedPendulumSwingup-v0" in capsys.readouterr().err


def test_the_option_generator_follows_each_fields_metadata(monkeypatch):
    import argparse
    import dataclasses

    from pendulum_zoo.cli import parser as cli_parser

    @dataclasses.dataclass(frozen=True)
    class Config:  # TrainConfig's shape, with metadata on some fields (contract 2)
        algorithm: str = dataclasses.field(metadata={"help": "the algorithm", "metavar": "NAME"})
        env_id: str = dataclasses.field(metadata={"help": "the task", "flag": "--env"})
        seed: int = 0
        population_size: int | None = dataclasses.field(default=None, metadata={"flag": "--population",
                                                                                "help": "members"})
        threshold: float | None = None
        hyperparameters: dict = dataclasses.field(default_factory=dict, metadata={"flag": "--set"})

    monkeypatch.setattr(cli_parser, "TrainConfig", Config)
    parser = argparse.ArgumentParser()
    cli_parser.add_config_options(parser)
    actions = {action.dest: action for action in parser._actions}
    assert actions["algorithm"].metavar == "NAME" and actions["algorithm"].help == "the algorithm"
    assert actions["population_size"].option_strings == ["--population"] and actions["population_size"].help == "members"
    assert actions["seed"].option_strings == ["--seed"] and actions["seed"].help == "default 0"
    assert actions["threshold"].option_strings == ["--threshold"] and actions["threshold"].type is float
    args = parser.parse_args(["mk1", "--env", "X", "--population", "8", "--set", "a=1", "--set", "b=2"])
    assert vars(args) == {"algorithm": "mk1", "env_id": "X", "population_size": 8, "hyperparameters": ["a=1", "b=2"]}


def test_engine_option_reaches_the_library_and_gives_the_same_report(tmp_path, monkeypatch, capsys):
    import pendulum_zoo

    real_evaluate = pendulum_zoo.evaluate
    engines = []

    def recording_evaluate(agent, env_id, *args, **kwargs):
        engines.append(kwargs["engine"])
        return real_evaluate(agent, env_id, *args, **kwargs)
    monkeypatch.setattr(pendulum_zoo, "evaluate", recording_evaluate)
    reports = []
    for engine in ("numpy", "pybullet"):
        path = tmp_path / f"{engine}.json"
        assert main(["evaluate", "mk1", "--env", "InvertedPendulum-v0", "--episodes", "3", "--workers", "1",
                     "--engine", engine, "--json", str(path)]) == 0
        reports.append(json.loads(path.read_text())["returns"])
    assert engines == ["numpy", "pybullet"] and reports[0] == reports[1]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["evaluate", "mk1", "--env", "InvertedPendulum-v0", "--engine", "bullet"])
    assert "invalid choice: 'bullet'" in capsys.readouterr().err
