"""The policy file format: exact round trip, and clear errors for anything malformed."""

import json
import pathlib

import numpy as np
import pytest

from pendulum_zoo.networks.policy import NUM_PARAMS
from pendulum_zoo.rl import PPO_ALGORITHMS
from pendulum_zoo.rl.imp import IMP_ALGORITHMS
from pendulum_zoo.storage.policy_file import (
    MAX_POLICY_FILE_BYTES,
    load_policy,
    parse_policy,
    policy_document,
    save_policy,
    weights_checksum,
)

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent


def test_round_trip_is_exact_for_real_and_binary_weights(tmp_path):
    rng = np.random.default_rng(0)
    for params in (rng.normal(size=NUM_PARAMS) * 1e-3, (rng.random(NUM_PARAMS) < 0.1).astype(float)):
        save_policy(tmp_path / "p.json", params, {"algorithm": "test"})
        loaded, card = load_policy(tmp_path / "p.json")
        assert np.array_equal(loaded, params) and card == {"algorithm": "test"}
    assert json.loads((tmp_path / "p.json").read_text())["binary"] is True


def write(tmp_path, document):
    path = tmp_path / "bad.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def good():
    return policy_document(np.ones(NUM_PARAMS), {})


def resign(document):
    """Give a changed document the checksum of its new weights, as a deliberate edit would."""
    params = np.concatenate([np.ravel(document["W1"]), document["W2"]])
    document["weights_sha256"] = weights_checksum(params)


@pytest.mark.parametrize(("change", "message"), (
    (lambda d: d.update(format="other"), "'format'"),
    (lambda d: d.update(format_version=99), "format_version"),
    (lambda d: d.update(W1=d["W1"][:4]), "W1.*shape"),
    (lambda d: d.update(W2=d["W2"] + [1.0]), "W2.*shape"),
    (lambda d: d["W1"][0].__setitem__(0, "1"), "numbers"),
    (lambda d: d["W1"][0].__setitem__(0, True), "numbers"),
    (lambda d: (d["W1"][0].__setitem__(0, 0.5), resign(d)), "neither 0 nor 1"),
    (lambda d: d.update(binary="yes"), "'binary'"),
    (lambda d: d.update(card=[]), "'card'"),
    (lambda d: d.update(architecture={"hidden": 64}), "architecture"),
))
def test_malformed_files_are_rejected_with_the_problem_named(tmp_path, change, message):
    document = good()
    change(document)
    with pytest.raises(ValueError, match=message):
        load_policy(write(tmp_path, document))


def test_non_finite_weights_truncated_files_and_missing_files(tmp_path):
    text = json.dumps(good()).replace("[1.0, 1.0", "[NaN, 1.0", 1)
    with pytest.raises(ValueError, match="non-finite|neither"):
        load_policy(write(tmp_path, text))
    with pytest.raises(ValueError, match="not valid JSON"):
        load_policy(write(tmp_path, json.dumps(good())[:100]))
    with pytest.raises(ValueError, match="JSON object"):
        load_policy(write(tmp_path, "[1, 2]"))
    with pytest.raises(FileNotFoundError, match="policy file not found"):
        load_policy(tmp_path / "missing.json")


def test_a_changed_digit_in_a_weight_is_refused(tmp_path):
    params = np.random.default_rng(1).normal(size=NUM_PARAMS)
    save_policy(tmp_path / "p.json", params, {"algorithm": "cma"})
    text = (tmp_path / "p.json").read_text()
    weight = repr(float(params[7]))
    changed = weight[:-1] + ("1" if weight[-1] != "1" else "2")  # the last digit of one weight
    assert text.count(weight) == 1
    (tmp_path / "p.json").write_text(text.replace(weight, changed))
    with pytest.raises(ValueError, match="do not match 'weights_sha256'.*changed or damaged"):
        load_policy(tmp_path / "p.json")


def test_the_checksum_is_the_sha256_of_the_little_endian_float64_weights():
    import hashlib

    params = np.arange(NUM_PARAMS, dtype=np.float64) / 7
    document = policy_document(params, {})
    assert document["format_version"] == 2
    assert document["weights_sha256"] == hashlib.sha256(params.astype("<f8").tobytes()).hexdigest()


@pytest.mark.parametrize("checksum", (None, 5, "abc", "A" * 64))
def test_a_version_2_file_needs_a_well_formed_checksum(checksum):
    document = good()
    document["weights_sha256"] = checksum
    if checksum is None:
        del document["weights_sha256"]
    with pytest.raises(ValueError, match="'weights_sha256' must be 64 lowercase hex digits"):
        parse_policy(document, "p.json")


def test_version_1_files_without_a_checksum_still_load():
    document = good()
    document["format_version"] = 1
    del document["weights_sha256"]
    params, _ = parse_policy(document, "v1.json")
    assert np.array_equal(params, np.ones(NUM_PARAMS))


def test_every_shipped_champion_file_loads():
    files = sorted((REPOSITORY / "agents").glob("*/policy.json"))
    assert len(files) >= 16
    for path in files:
        network, card = load_policy(path)
        assert card["algorithm"] in path.parent.name
        if card["algorithm"] in (*PPO_ALGORITHMS, *IMP_ALGORITHMS.values()):  # version 3: PPO's or a ticket's actor
            assert network.sizes == (5, 64, 64, 1) and card["connections"] == network.connections
        else:
            assert network.shape == (NUM_PARAMS,)


@pytest.mark.parametrize("version", (True, 1.0, 2.0, "2", None))
def test_booleans_floats_and_strings_are_not_format_versions(version):
    document = good()
    document["format_version"] = version
    with pytest.raises(ValueError, match="'format_version' must be an integer"):
        parse_policy(document, "p.json")


def test_long_values_are_quoted_only_in_part():
    document = good()
    document["format"] = "x" * 1_000_000
    with pytest.raises(ValueError) as error:
        parse_policy(document, "p.json")
    assert len(str(error.value)) < 300 and "1,000,002 characters" in str(error.value)


def test_a_file_above_the_size_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(" " * (MAX_POLICY_FILE_BYTES + 1) + "{")  # not JSON: only the size check can name it
    with pytest.raises(ValueError, match=f"more than the {MAX_POLICY_FILE_BYTES:,} this reader accepts"):
        load_policy(path)


@pytest.mark.parametrize(("text", "message"), (
    ("[" * 1500 + "]" * 1500, "nested too deeply"),
    ('{"format": 1' + "0" * 400 + "}", "out of range"),
))
def test_deep_nesting_and_huge_integers_give_clear_errors(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_policy(write(tmp_path, text))


# --- version 3: any MLP ---------------------------------------------------------------------------------------

def sparse_mlp(seed=0, bias=True, normaliser=True):
    from pendulum_zoo.networks.mlp import MLP, RunningNormaliser, init_weights

    rng = np.random.default_rng(seed)
    sizes = (5, 12, 7, 1)
    masks = [(rng.random((a, b)) < 0.3).astype(float) for a, b in zip(sizes[:-1], sizes[1:])]
    weights = init_weights(sizes, rng, masks=masks)
    biases = [rng.normal(size=b) for b in sizes[1:]] if bias else None
    norm = RunningNormaliser(5, rng.normal(size=5), rng.random(5) + 0.1, frozen=True) if normaliser else None
    return MLP(sizes, weights=weights, biases=biases, masks=masks, bias=bias, normaliser=norm)


@pytest.mark.parametrize("bias, normaliser", [(True, True), (False, False)])
def test_an_mlp_round_trips_exactly_through_a_version_3_file(tmp_path, bias, normaliser):
    from pendulum_zoo.networks.mlp import MLP, MLPPolicy
    from pendulum_zoo.storage.policy_file import policy_object

    net = sparse_mlp(bias=bias, normaliser=normaliser)
    save_policy(tmp_path / "p.json", net, {"algorithm": "ppo-sparse"})
    assert json.loads((tmp_path / "p.json").read_text())["format_version"] == 3
    loaded, card = load_policy(tmp_path / "p.json")
    assert isinstance(loaded, MLP) and card == {"algorithm": "ppo-sparse"}
    for a, b in zip(net.parameters() + net.masks, loaded.parameters() + loaded.masks):
        assert np.array_equal(a, b)
    obs = np.random.default_rng(1).normal(size=(50, 5)) * 3
    assert np.array_equal(net.forward(obs), loaded.forward(obs))
    policy = policy_object(loaded, "p", card)
    assert isinstance(policy, MLPPolicy) and policy.connections == net.connections
    actions = policy.batch_act(obs)
    assert actions.shape == (50,) and np.all(np.abs(actions) <= 1.0)
    assert np.array_equal(actions, [policy.act(row)[0] for row in obs])  # batch-independent, float32-exact
    assert np.array_equal(actions[7:9], policy.batch_act(obs[7:9]))


@pytest.mark.parametrize("change, message", [
    (lambda d: d["weights"][0][0].__setitem__(0, "x"), "must be a number"),
    (lambda d: d["network"].__setitem__("activation", "gelu"), "activation"),
    (lambda d: d["network"].__setitem__("sizes", [5, 12, 7]), "must be a list of 2 arrays"),
    (lambda d: d["masks"][1][0].__setitem__(0, 2), "only 0 and 1"),
    (lambda d: d.__setitem__("biases", None), "'biases' must be a list"),
    (lambda d: d["normaliser"].__setitem__("var", [-1.0] * 5), "must not be negative"),
    (lambda d: d.__setitem__("weights_sha256", "0" * 64), "do not match 'weights_sha256'"),
])
def test_malformed_version_3_files_are_refused_with_the_problem_named(tmp_path, change, message):
    from pendulum_zoo.storage.policy_file import network_document

    document = json.loads(json.dumps(network_document(sparse_mlp(), {})))
    change(document)
    with pytest.raises(ValueError, match=message):
        parse_policy(document, "p.json")


def test_a_changed_masked_weight_or_digit_in_a_version_3_file_is_refused():
    from pendulum_zoo.storage.policy_file import network_document

    net = sparse_mlp()
    document = json.loads(json.dumps(network_document(net, {})))
    i, j = map(int, np.argwhere(net.masks[0] == 0)[0])
    document["weights"][0][i][j] = 0.5
    with pytest.raises(ValueError, match="nonzero weights where its mask is 0"):
        parse_policy(document, "p.json")
    document = json.loads(json.dumps(network_document(net, {})))
    i, j = map(int, np.argwhere(net.masks[0] == 1)[0])
    document["weights"][0][i][j] += 1e-12
    with pytest.raises(ValueError, match="weights_sha256"):
        parse_policy(document, "p.json")
