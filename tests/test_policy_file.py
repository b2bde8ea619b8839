"""The policy file format: exact round trip, and clear errors for anything malformed."""

import json

import numpy as np
import pytest

from pendulum_zoo.networks.policy import NUM_PARAMS
from pendulum_zoo.storage.policy_file import load_policy, policy_document, save_policy


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


@pytest.mark.parametrize(("change", "message"), (
    (lambda d: d.update(format="other"), "'format'"),
    (lambda d: d.update(format_version=99), "format_version"),
    (lambda d: d.update(W1=d["W1"][:4]), "W1.*shape"),
    (lambda d: d.update(W2=d["W2"] + [1.0]), "W2.*shape"),
    (lambda d: d["W1"][0].__setitem__(0, "1"), "numbers"),
    (lambda d: d["W1"][0].__setitem__(0, True), "numbers"),
    (lambda d: d["W1"][0].__setitem__(0, 0.5), "neither 0 nor 1"),
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
