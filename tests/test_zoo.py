"""The champion zoo: every shipped champion matches its card; loading validates; the wheel ships the zoo."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pendulum_zoo.zoo as zoo
from pendulum_zoo.cli import main
from pendulum_zoo.networks.policy import NUM_PARAMS
from pendulum_zoo.storage.policy_file import save_policy
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.rl import PPO_ALGORITHMS
from pendulum_zoo.rl.imp import IMP_ALGORITHMS

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = zoo.champion_keys()


@pytest.mark.parametrize(("algorithm", "env_id"), SHIPPED, ids=[f"{a}-{e.split('/')[-1]}" for a, e in SHIPPED])
def test_every_champion_matches_its_card_on_a_fresh_10_episode_evaluation(algorithm, env_id):
    policy = zoo.load_champion(algorithm, env_id)
    card = policy.card
    assert card["algorithm"] == algorithm and card["env_id"] == env_id
    assert card["connections"] == policy.connections
    protocol = card["zoo"]["protocol"]
    report = evaluate(policy, env_id, episodes=10, seed=protocol["seed"], workers=1)
    assert report.returns == protocol["returns"][:10]  # the first 10 of the card's 100 protocol episodes
    assert protocol["mean"] == pytest.approx(np.mean(protocol["returns"]), abs=1e-9)
    folder = zoo.champion_folder(algorithm, env_id)
    for name in ("learning_curve.jsonl", "learning_curve.svg", "network.svg", "MODEL_CARD.md"):
        assert folder.joinpath(name).is_file(), name
    log = [json.loads(line) for line in folder.joinpath("learning_curve.jsonl").read_text().splitlines()]
    if algorithm in PPO_ALGORITHMS:  # one record per PPO iteration; no validation episodes
        assert len(log) == card["iterations"] and log[-1]["env_steps"] == card["total_steps"]
        return
    if algorithm in IMP_ALGORITHMS.values():  # one record per IMP round; the champion is one round's ticket
        assert len(log) == card["rounds_trained"] and log[card["round"]]["sparsity"] == pytest.approx(card["sparsity"])
        assert log[card["round"]]["selection_mean"] == card["zoo"]["selection_mean"]
        assert card["zoo"]["selection_mean"] >= 0.98 * card["zoo"]["dense_selection_mean"]
        return
    assert len(log) == card["generations"]
    assert log[-1]["env_steps"] + card["validation"]["env_steps"] == card["total_steps"]


@pytest.fixture
def private_zoo(tmp_path, monkeypatch):
    monkeypatch.setattr(zoo, "zoo_root", lambda: tmp_path)
    return tmp_path


def make_champion(root, algorithm="mk1", env_id="pendulum_zoo/InvertedPendulum-v0", card=None, params=None):
    folder = root / zoo.champion_name(algorithm, env_id)
    folder.mkdir()
    params = np.ones(NUM_PARAMS) if params is None else params
    save_policy(folder / "policy.json", params, card or {"algorithm": algorithm, "env_id": env_id})
    return folder


def test_load_champion_returns_a_ready_policy(private_zoo):
    make_champion(private_zoo)
    policy = zoo.load_champion("mk1", "InvertedPendulumBulletEnv-v0")  # any name of the task
    assert policy.act(np.zeros(5)).shape == (1,)
    assert policy.card["algorithm"] == "mk1"
    assert zoo.champion_keys() == [("mk1", "pendulum_zoo/InvertedPendulum-v0")]


def test_missing_unknown_and_mislabelled_champions_are_refused(private_zoo):
    with pytest.raises(FileNotFoundError, match="no mk2 champion"):
        zoo.load_champion("mk2", "pendulum_zoo/InvertedPendulum-v0")
    with pytest.raises(ValueError, match="unknown algorithm"):
        zoo.load_champion("sgd", "pendulum_zoo/InvertedPendulum-v0")
    make_champion(private_zoo, card={"algorithm": "cma", "env_id": "pendulum_zoo/InvertedPendulum-v0"})
    with pytest.raises(ValueError, match="labelled"):
        zoo.load_champion("mk1", "pendulum_zoo/InvertedPendulum-v0")


@pytest.mark.parametrize("content", ("not json", json.dumps({"format": "pickle"}), "\x80\x04\x95", "[" * 1500,
                                     " " * (2**20 + 1)))
def test_malformed_champion_files_are_refused_and_never_executed(private_zoo, content):
    folder = private_zoo / "mk1-InvertedPendulum-v0"
    folder.mkdir()
    (folder / "policy.json").write_text(content, errors="surrogateescape")
    with pytest.raises(ValueError):
        zoo.load_champion("mk1", "pendulum_zoo/InvertedPendulum-v0")


def test_show_and_enjoy_write_their_files(private_zoo, tmp_path, capsys):
    params = np.zeros(NUM_PARAMS)
    params[[3, 2 * 32 + 3, 160 + 3]] = 1.0
    make_champion(private_zoo, params=params)
    assert main(["show", "mk1", "--env", "InvertedPendulum-v0", "--svg", str(tmp_path / "n.svg")]) == 0
    assert (tmp_path / "n.svg").read_text().startswith("<?xml")
    assert main(["enjoy", "mk1", "--env", "InvertedPendulum-v0", "--out", str(tmp_path / "e.png"),
                 "--frame-every", "10"]) == 0
    data = (tmp_path / "e.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and b"acTL" in data
    assert "animated PNG" in " ".join(capsys.readouterr().out.split())


def test_the_built_wheel_installs_in_a_fresh_virtual_environment_and_loads_a_champion(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), REPOSITORY],
                   check=True, timeout=600)
    wheel = next(wheels.glob("pendulum_zoo-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True, timeout=900)
    code = (
        "import json, pendulum_zoo, pendulum_zoo.zoo as z\n"
        "keys = z.champion_keys()\n"
        "loaded = [z.load_champion(a, e).connections for a, e in keys]\n"
        "print(json.dumps({'file': pendulum_zoo.__file__, 'champions': z.available_champions(),\n"
        "                  'loaded': len(loaded)}))\n"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, timeout=300)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(venv))
    assert result["champions"] == zoo.available_champions()
    assert result["loaded"] == len(SHIPPED)


def test_a_damaged_weight_in_a_champion_is_refused(private_zoo):
    folder = make_champion(private_zoo, params=np.full(NUM_PARAMS, 0.25))
    path = folder / "policy.json"
    path.write_text(path.read_text().replace("0.25", "0.35", 1))
    with pytest.raises(ValueError, match="champion mk1-InvertedPendulum-v0 .*do not match 'weights_sha256'"):
        zoo.load_champion("mk1", "pendulum_zoo/InvertedPendulum-v0")


def test_load_agent_policy_takes_a_file_or_a_champion_name(private_zoo, tmp_path):
    make_champion(private_zoo)
    assert zoo.load_agent_policy("mk1", "InvertedPendulum-v0").card["algorithm"] == "mk1"
    path = tmp_path / "mine.json"
    save_policy(path, np.ones(NUM_PARAMS), {"algorithm": "cma", "env_id": "InvertedPendulumWide-v0"})
    policy = zoo.load_agent_policy(str(path))
    assert policy.description == f"cma policy file {path}"
    assert zoo.trained_env_id(policy) == "pendulum_zoo/InvertedPendulumWide-v0"
    with pytest.raises(ValueError, match="did you mean 'mk1'"):
        zoo.load_agent_policy("mk11", "InvertedPendulum-v0")
    with pytest.raises(ValueError, match="needs an environment"):
        zoo.load_agent_policy("mk1")
