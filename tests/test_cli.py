"""The pendulum-zoo command: thin, with clear errors and a resumable train command."""

import json

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


def test_benchmark_trains_each_seed_and_prints_the_table(tmp_path, capsys):
    assert main(["benchmark", "cma", "--env", "InvertedPendulum-v0", "--seeds", "0,1", "--workers", "1",
                 "--out", str(tmp_path), "--population", "8", "--episodes", "1", "--min-generations", "0",
                 "--max-generations", "2", "--eval-episodes", "3", "--json", str(tmp_path / "b.json")]) == 0
    out = capsys.readouterr().out
    assert "| Method | Env | Steps to solve" in out
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["cma-InvertedPendulum-v0-s0",
                                                                        "cma-InvertedPendulum-v0-s1"]
    document = json.loads((tmp_path / "b.json").read_text())
    assert [run["seed"] for run in document["runs"]] == [0, 1]
