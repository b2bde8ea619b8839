"""tools/probe_binary_functions.py: a binary network's action depends only on its live units' input subsets."""

import importlib.util
import itertools
import os
import sys

import numpy as np
import pytest

from pendulum_zoo.networks.policy import NUM_PARAMS, effective_connections, forward
from pendulum_zoo.storage.policy_file import save_policy

TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools",
                    "probe_binary_functions.py")


def probe():
    spec = importlib.util.spec_from_file_location("probe_binary_functions", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["probe_binary_functions"] = module
    spec.loader.exec_module(module)
    return module


def test_the_network_rebuilt_from_unit_counts_acts_exactly_as_the_original():
    tool = probe()
    rng = np.random.default_rng(3)
    observations = rng.normal(size=(1, 64, 5)) * np.array([1.0, 2.0, 1.0, 1.0, 5.0])
    for density in (0.2, 0.5, 0.8):
        mask = (rng.random(NUM_PARAMS) < density).astype(np.float64)
        counts = tool.unit_counts(mask)
        rebuilt = tool.network(counts)
        assert np.array_equal(tool.unit_counts(rebuilt), counts)
        # the same sum in another unit order may differ in the last bit
        np.testing.assert_allclose(forward(rebuilt[None], observations), forward(mask[None], observations),
                                   atol=1e-6)
        # dead connections are gone: only live units' inputs and outputs remain
        assert np.count_nonzero(rebuilt) <= np.count_nonzero(mask)


def test_moves_change_one_or_two_live_units_and_respect_the_32_unit_limit():
    tool = probe()
    counts = np.zeros(len(tool.SUBSETS), dtype=np.int64)
    counts[0], counts[5] = 30, 2  # 32 live units: only removals and swaps remain
    for moved in tool.singles(counts):
        assert np.abs(moved - counts).sum() == 1 and moved.min() >= 0 and moved.sum() == 31
    pairs = tool.pairs(counts)
    assert pairs and all(np.abs(p - counts).sum() == 2 and p.min() >= 0 and p.sum() <= 32 for p in pairs)
    assert any(p.sum() == 32 for p in pairs)  # swaps
    assert len({p.tobytes() for p in pairs}) == len(pairs)


def test_the_functions_below_a_connection_count_are_every_small_multiset_of_units_once():
    tool = probe()
    limit = 7
    found = tool.functions_below(limit)

    def connections(counts):
        return int(effective_connections(tool.network(counts))[0])

    assert all(0 < connections(counts) < limit for counts in found)
    assert len({counts.tobytes() for counts in found}) == len(found)
    # the same set, counted independently: multisets of 1 to 3 units (4 units cost at least 8 connections)
    expected = set()
    for size in (1, 2, 3):
        for units in itertools.combinations_with_replacement(range(len(tool.SUBSETS)), size):
            counts = np.bincount(units, minlength=len(tool.SUBSETS)).astype(np.int64)
            if connections(counts) < limit:
                expected.add(counts.tobytes())
    assert {counts.tobytes() for counts in found} == expected


def test_the_probe_starts_from_a_binary_policy_file_and_rejects_anything_else(tmp_path):
    tool = probe()
    env_id = "pendulum_zoo/InvertedPendulumSwingupWide-v0"
    mask = (np.random.default_rng(5).random(NUM_PARAMS) < 0.5).astype(np.float64)
    save_policy(tmp_path / "mask.json", mask, {"algorithm": "mk1"})
    assert np.array_equal(tool.start_params(None, str(tmp_path / "mask.json"), env_id), mask)
    save_policy(tmp_path / "weights.json", mask * 0.5, {"algorithm": "cma"})
    with pytest.raises(SystemExit, match="not a binary network"):
        tool.start_params(None, str(tmp_path / "weights.json"), env_id)
    (tmp_path / "broken.json").write_text('{"format": "something else"}')
    with pytest.raises(SystemExit, match="not a valid pendulum-zoo policy"):
        tool.start_params(None, str(tmp_path / "broken.json"), env_id)
    with pytest.raises(SystemExit, match="not both"):
        tool.start_params("mk1", str(tmp_path / "mask.json"), env_id)
    with pytest.raises(SystemExit, match="not both"):
        tool.start_params(None, None, env_id)
