"""Output made for pipes and files: every table keeps all its columns, Markdown rows stay one line."""

import os
import subprocess
import sys

import numpy as np
import pytest

import pendulum_zoo.zoo as zoo
from pendulum_zoo.cli import main
from pendulum_zoo.networks.policy import NUM_PARAMS
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.storage.policy_file import save_policy

NARROW = "40"  # rich lays out a redirected output for $COLUMNS (80 when unset): far too narrow for these tables
MARKDOWN_COLUMNS = ("algo", "env_id", "mean_reward", "std_reward", "n_timesteps", "eval_episodes", "connections")


def piped(*argv):
    """stdout of ``python -m pendulum_zoo ARGV`` written to a pipe, with a narrow $COLUMNS."""
    environment = {**os.environ, "COLUMNS": NARROW}
    done = subprocess.run([sys.executable, "-m", "pendulum_zoo", *argv], capture_output=True, text=True,
                          timeout=300, env=environment)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_zoo_piped_keeps_every_column_and_every_cell():
    out = piped("zoo")
    for header in ("algorithm", "env", "conn", "mean +/- std", "solved at"):
        assert header in out, header
    for algorithm, env_id in zoo.champion_keys():
        row = next(line for line in out.splitlines() if line.split()[:2] == [algorithm, env_id.split("/")[-1]])
        assert "+/-" in row and len(row.split()) == 7, row  # algorithm, env, conn, mean, +/-, std, solved at


def test_evaluate_piped_keeps_the_report_whole_and_markdown_rows_on_one_line():
    out = piped("evaluate", "random", "--env", "InvertedPendulum-v0", "--episodes", "3", "--workers", "1")
    assert out.splitlines()[0].startswith("random on pendulum_zoo/InvertedPendulum-v0")  # no progress bar's trace
    for label in ("episodes", "mean +/- std", "min / median / max", "IQM [95% CI]", "success (return >= 999.5)",
                  "env steps", "wall time"):
        assert label in out, label
    table_rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(table_rows) == 3  # header, rule, the row: each whole on its own line
    assert all(line.endswith("|") for line in table_rows)
    assert all(f" {column} " in table_rows[0] for column in MARKDOWN_COLUMNS)
    assert table_rows[2].startswith("| random | pendulum_zoo/InvertedPendulum-v0 |")


@pytest.fixture
def one_champion_zoo(tmp_path, monkeypatch):
    """A zoo of one champion whose card records the protocol's first 3 episodes."""
    monkeypatch.setattr(zoo, "zoo_root", lambda: tmp_path)
    env_id = "pendulum_zoo/InvertedPendulum-v0"
    params = np.zeros(NUM_PARAMS)
    params[[3, 2 * 32 + 3, 160 + 3]] = 1.0
    report = evaluate(params, env_id, episodes=3, seed=0, workers=1)
    stats = report.statistics()
    card = {"algorithm": "mk1", "env_id": env_id, "steps_to_solve": None,
            "zoo": {"protocol": {"episodes": 3, "seed": 0, "mean": stats["mean"], "std": stats["std"],
                                 "returns": report.returns}}}
    folder = tmp_path / zoo.champion_name("mk1", env_id)
    folder.mkdir()
    save_policy(folder / "policy.json", params, card)
    return folder


def test_zoo_score_in_a_file_keeps_fresh_score_and_same(one_champion_zoo, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", NARROW)
    assert main(["zoo", "--score", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    for header in ("algorithm", "env", "conn", "mean +/- std", "solved at", "fresh score", "same"):
        assert header in out, header
    row = next(line for line in out.splitlines() if line.strip().startswith("mk1"))
    assert row.split()[-1] == "yes" and row.count("+/-") == 2


def test_a_damaged_card_is_named_by_zoo(one_champion_zoo, capsys):
    import json

    path = one_champion_zoo / "policy.json"
    document = json.loads(path.read_text())
    document["card"]["zoo"]["protocol"]["seed"] = "zero"
    path.write_text(json.dumps(document))
    assert main(["zoo"]) == 2
    err = capsys.readouterr().err
    assert "error: champion mk1-InvertedPendulum-v0's card is damaged: zoo.protocol.seed must be an integer" in err
    document["card"]["zoo"] = None
    path.write_text(json.dumps(document))
    assert main(["zoo"]) == 2
    assert "has no protocol record" in capsys.readouterr().err


def test_errors_and_warnings_stay_one_line_however_narrow(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "20")
    assert main(["train", "mk1", "--env", "InvertedPendulm-v0"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: unknown environment")
