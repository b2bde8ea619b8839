"""PPO's agents as files and champions: a sparse PPO policy round-trips through its file, loads from the zoo,
is scored by the protocol, drawn by ``show``."""

import numpy as np
import pytest

import pendulum_zoo
import pendulum_zoo.zoo as zoo
from pendulum_zoo.cli import main
from pendulum_zoo.networks.mlp import MLPPolicy
from pendulum_zoo.protocol import as_agent
from pendulum_zoo.rl import PPO, PPOConfig, SparseConfig
from pendulum_zoo.storage.policy_file import load_policy, save_policy

BALANCE = "pendulum_zoo/InvertedPendulum-v0"


@pytest.fixture(scope="module")
def sparse_policy():
    ppo = PPO(PPOConfig(env_id=BALANCE, seed=1, num_envs=2, num_steps=64, total_steps=256, minibatch_size=32,
                        epochs=2, normalize_obs=True, sparse=SparseConfig("rigl", 0.9, update_interval=4)))
    try:
        ppo.train()
    finally:
        ppo.close()
    return ppo.policy()


def test_a_sparse_ppo_policy_round_trips_through_its_file(tmp_path, sparse_policy):
    card = {"algorithm": "ppo-sparse", "env_id": BALANCE}
    save_policy(tmp_path / "policy.json", sparse_policy, card)
    loaded, loaded_card = load_policy(tmp_path / "policy.json")
    assert loaded_card == card and abs(loaded.sparsity - 0.9) < 0.02
    assert loaded.normaliser is not None and loaded.normaliser.frozen
    obs = np.random.default_rng(0).normal(size=(200, 5))
    assert np.array_equal(loaded.forward(obs), sparse_policy.forward(obs))
    agent = as_agent(str(tmp_path / "policy.json"))
    assert agent.batch_act is not None and agent.algorithm == "ppo-sparse"
    assert np.array_equal(agent.batch_act(obs), [agent.act(row)[0] for row in obs])
    report = pendulum_zoo.evaluate(str(tmp_path / "policy.json"), BALANCE, episodes=3, workers=1)
    direct = pendulum_zoo.evaluate(MLPPolicy(sparse_policy), BALANCE, episodes=3, workers=1)
    assert report.returns == direct.returns and len(report.returns) == 3


def test_mlp_champions_load_from_the_zoo_and_are_drawn_by_show(tmp_path, monkeypatch, sparse_policy):
    monkeypatch.setattr(zoo, "zoo_root", lambda: tmp_path)
    folder = tmp_path / zoo.champion_name("ppo-sparse", BALANCE)
    folder.mkdir()
    save_policy(folder / "policy.json", sparse_policy, {"algorithm": "ppo-sparse", "env_id": BALANCE})
    champion = zoo.load_champion("ppo-sparse", BALANCE)
    assert isinstance(champion, MLPPolicy) and champion.connections == sparse_policy.connections
    assert ("ppo-sparse", BALANCE) in zoo.champion_keys()
    report = pendulum_zoo.evaluate("ppo-sparse", BALANCE, episodes=2, workers=1)
    assert report.algorithm == "ppo-sparse" and len(report.returns) == 2
    svg = tmp_path / "net.svg"
    assert main(["show", "ppo-sparse", "--env", BALANCE, "--svg", str(svg)]) == 0
    text = svg.read_text()
    import re

    assert sum(map(int, re.findall(r'data-segments="(\d+)"', text))) == sparse_policy.connections
    assert len(re.findall(r"M\d", text)) == sparse_policy.connections  # one line (move, draw) per weight
    assert f'data-connections="{sparse_policy.connections}"' in text
