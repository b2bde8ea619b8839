"""Worker processes never hang the caller: hostile agents that die or block give partial reports naming the
failure, a dead evaluator worker is a RuntimeError naming it, and workers never outlive their parent."""

import faulthandler
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from pendulum_zoo.networks.policy import NUM_PARAMS, Policy
from pendulum_zoo.protocol import evaluate
from pendulum_zoo.rollout.evaluator import EvaluatorWorkerFailed, PopulationEvaluator
from pendulum_zoo.rollout.seeding import evaluation_episode_seeds
from pendulum_zoo.rollout.workers import describe_exit
from tests.test_protocol import BALANCE, failing_episode

BOUND = 30  # seconds: every test here must end well within it, whatever the agent does

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked here")


@pytest.fixture
def bounded():
    """Fail the test (instead of hanging the suite) if it runs past BOUND seconds."""
    def expire(signum, frame):
        raise TimeoutError(f"the test did not finish within {BOUND} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(BOUND)
    started = time.monotonic()
    yield started
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def steep_start(observation):
    """True at the first step of the episodes whose pole starts above 0.08 rad (see ``failing_episode``)."""
    return observation[0] == 0.0 and observation[1] == 0.0 and observation[4] == 0.0 and observation[3] > 0.08


def balance(observation):
    return np.array([np.clip(10 * observation[3] + observation[4] + 0.5 * observation[0] + observation[1], -1, 1)])


def exits_on_steep_starts(observation):
    if steep_start(observation):
        os._exit(3)
    return balance(observation)


def calls_sys_exit_on_steep_starts(observation):
    if steep_start(observation):
        sys.exit(4)
    return balance(observation)


def crashes_on_steep_starts(observation):
    if steep_start(observation):
        faulthandler.disable()  # pytest's handler would print a traceback of the crash first
        os.kill(os.getpid(), signal.SIGSEGV)
    return balance(observation)


def sleeps_on_steep_starts(observation):
    if steep_start(observation):
        time.sleep(10_000)
    return balance(observation)


@pytest.mark.parametrize(("agent", "message"), (
    (exits_on_steep_starts, "exited with code 3"),
    (calls_sys_exit_on_steep_starts, "exited with code 4"),
    (crashes_on_steep_starts, "was killed by signal 11 (SIGSEGV)"),
))
def test_an_agent_whose_worker_dies_gives_a_partial_report_naming_it(bounded, agent, message):
    k = failing_episode(evaluation_episode_seeds(0, 12))
    report = evaluate(agent, BALANCE, episodes=12, workers=2)
    assert report.failure["episode"] == k and report.failure["step"] is None
    assert report.failure["error"].startswith("the agent's worker ") and message in report.failure["error"]
    assert report.completed == k
    # the episodes before the failure are those of an agent that never fails
    assert report.returns == evaluate(balance, BALANCE, episodes=k, workers=1).returns


def test_an_agent_that_blocks_is_stopped_by_the_timeout(bounded):
    k = failing_episode(evaluation_episode_seeds(0, 12))
    report = evaluate(sleeps_on_steep_starts, BALANCE, episodes=12, workers=2, timeout=1)
    assert report.failure["episode"] == k and report.failure["step"] is None
    assert "did not finish its task within 1 s and was stopped" in report.failure["error"]
    assert report.completed == k
    assert time.monotonic() - bounded < BOUND


def test_a_timeout_applies_with_one_worker_too(bounded):
    report = evaluate(sleeps_on_steep_starts, BALANCE, episodes=12, workers=1, timeout=0.5)
    assert report.failure is not None and "within 0.5 s" in report.failure["error"]


def test_a_dead_evaluator_worker_is_a_runtime_error_naming_it_and_the_evaluator_recovers(bounded):
    params = np.random.default_rng(0).normal(size=(3, NUM_PARAMS)) * 0.5
    with PopulationEvaluator(BALANCE, workers=2, max_episode_steps=200) as evaluator:
        reference = evaluator.evaluate(params, [1, 2, 3]).returns
        victim = evaluator._pool.workers[0]
        os.kill(victim.pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match=r"worker 1 \(pid \d+\) was killed by signal 9 \(SIGKILL\)") as caught:
            evaluator.evaluate(params, [1, 2, 3])
        assert isinstance(caught.value, EvaluatorWorkerFailed) and str(victim.pid) in str(caught.value)
        assert np.array_equal(evaluator.evaluate(params, [1, 2, 3]).returns, reference)  # a new worker took over


def child_pids():
    """Pids of this process's children, read from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                children.append(int(entry))
    return children


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_network_whose_evaluator_worker_dies_gets_a_partial_report(bounded):
    policy = Policy(np.random.default_rng(1).normal(size=NUM_PARAMS) * 0.5, "test network")
    full = evaluate(policy, BALANCE, episodes=16, workers=1)
    killed = []

    def kill_the_workers(done, total):
        if not killed:
            killed.extend(child_pids())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    # the pybullet path cuts the episodes into 8 chunks, slow enough that some are left when the first ends
    # (the engine's 2 chunks may both be done); worker death is handled the same way on either engine
    report = evaluate(policy, BALANCE, episodes=16, workers=2, on_progress=kill_the_workers, engine="pybullet")
    assert killed and report.failure is not None and "SIGKILL" in report.failure["error"]
    assert report.failure["episode"] == report.completed < 16
    assert report.returns == full.returns[:report.completed]


def process_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie has ended
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_blocked_worker_ends_when_its_parent_is_killed(tmp_path, bounded):
    script = textwrap.dedent(f"""
        import os, time
        from pendulum_zoo.protocol import evaluate

        def blocks(observation):
            with open(os.path.join({str(tmp_path)!r}, str(os.getpid())), "w"):
                pass
            time.sleep(10_000)

        evaluate(blocks, "pendulum_zoo/InvertedPendulum-v0", episodes=4, workers=2)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        while len(os.listdir(tmp_path)) < 2 and parent.poll() is None:
            time.sleep(0.05)
        workers = [int(name) for name in os.listdir(tmp_path)]
        assert len(workers) == 2
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while not all(process_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(process_gone(pid) for pid in workers)


@pytest.mark.parametrize(("code", "text"), ((3, "exited with code 3"), (-9, "was killed by signal 9 (SIGKILL)"),
                                            (None, "is still running")))
def test_exit_descriptions(code, text):
    assert describe_exit(code) == text
