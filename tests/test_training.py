"""The trainer: solving, worker independence, resume, checkpoints, champion files, bad configurations."""

import json
import os
from dataclasses import replace

import numpy as np
import pytest

from pendulum_zoo.storage.policy_file import load_policy
from pendulum_zoo.training import TrainConfig, read_log, train

BALANCE = "pendulum_zoo/InvertedPendulum-v0"


def without_wall_time(records):
    return [{k: v for k, v in r.items() if k != "wall_time"} for r in records]


@pytest.mark.slow  # 64 members, up to 30 generations each
@pytest.mark.parametrize("algorithm", ("mk1", "mk2", "cma-layerwise", "cma"))
def test_every_strategy_solves_the_balance_task_from_a_small_budget(algorithm):
    config = TrainConfig(algorithm, BALANCE, seed=0, population_size=64, episodes=2, min_generations=0,
                         max_generations=30, validation_episodes=4)
    result = train(config, workers=1)
    assert result.solved and result.card["stop_reason"] == "solved"
    assert max(record["best_fitness"] for record in result.log) >= 999.5
    assert result.card["total_steps"] == result.log[-1]["env_steps"] + result.card["validation"]["env_steps"]
    if algorithm.startswith("mk"):
        assert set(np.unique(result.champion)) <= {0.0, 1.0}


def short_run(algorithm, **changes):
    values = dict(seed=3, population_size=12, episodes=2, threshold=2000.0, min_generations=0, max_generations=5,
                  validation_episodes=3)
    values.update(changes)
    return TrainConfig(algorithm, BALANCE, **values)


@pytest.mark.parametrize("algorithm", ("mk1", "cma"))
def test_the_number_of_workers_never_changes_the_run(algorithm):
    one = train(short_run(algorithm), workers=1)
    two = train(short_run(algorithm), workers=2)
    assert np.array_equal(one.champion, two.champion)
    assert without_wall_time(one.log) == without_wall_time(two.log)


@pytest.mark.parametrize("algorithm", ("mk1", "mk2", "cma-layerwise", "cma"))
def test_resume_ends_with_exactly_the_uninterrupted_champion(tmp_path, algorithm):
    straight = train(short_run(algorithm), tmp_path / "straight", workers=1)

    def interrupt(record):
        if record["generation"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(short_run(algorithm), tmp_path / "resumed", workers=1, callback=interrupt)
    assert len(read_log(tmp_path / "resumed" / "log.jsonl")) == 3
    resumed = train(short_run(algorithm), tmp_path / "resumed", workers=1, resume=True)
    assert np.array_equal(straight.champion, resumed.champion)
    assert without_wall_time(read_log(tmp_path / "straight" / "log.jsonl")) == \
        without_wall_time(read_log(tmp_path / "resumed" / "log.jsonl"))
    straight_card = {k: v for k, v in straight.card.items() if k != "wall_time_s"}
    resumed_card = {k: v for k, v in resumed.card.items() if k != "wall_time_s"}
    assert straight_card == resumed_card


def test_resume_drops_log_lines_written_after_the_last_checkpoint(tmp_path):
    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(short_run("mk1"), folder, workers=1,
              callback=lambda r: (_ for _ in ()).throw(KeyboardInterrupt) if r["generation"] == 1 else None)
    with open(folder / "log.jsonl", "a", encoding="utf-8") as stream:
        stream.write(json.dumps({"generation": 2, "stale": True}) + "\n")
        stream.write('{"generation": 3, "torn')  # a crash mid-line
    resumed = train(short_run("mk1"), folder, workers=1, resume=True)
    log = read_log(folder / "log.jsonl")
    assert [r["generation"] for r in log] == [0, 1, 2, 3, 4]
    assert not any("stale" in r for r in log)
    assert resumed.card["generations"] == 5


def test_resuming_a_finished_run_returns_its_champion_without_more_work(tmp_path):
    first = train(short_run("mk2"), tmp_path / "run", workers=1)
    again = train(short_run("mk2"), tmp_path / "run", workers=1, resume=True)
    assert np.array_equal(first.champion, again.champion)
    assert len(read_log(tmp_path / "run" / "log.jsonl")) == 5


def test_the_saved_champion_round_trips_exactly(tmp_path):
    result = train(short_run("cma"), tmp_path / "run", workers=1)
    params, card = load_policy(tmp_path / "run" / "champion.json")
    assert np.array_equal(params, result.champion)
    assert card == result.card
    for key in ("algorithm", "env_id", "seed", "hyperparameters", "generations", "steps_to_solve", "total_steps",
                "wall_time_s", "connections", "package_version"):
        assert key in card
    assert card["hyperparameters"]["strategy"]["initial_sigma"] == 0.5


def test_stops_at_the_threshold_only_after_min_generations():
    result = train(short_run("cma", threshold=0.0, min_generations=3), workers=1)
    assert result.card["generations"] == 3
    assert result.card["solved_generation"] == 0
    assert result.card["steps_to_solve"] == result.log[0]["env_steps"]


def test_the_champion_is_chosen_on_validation_episodes():
    # Balance episodes of varied length make training fitness noisy: the all-time best is often lucky.
    config = short_run("mk2", population_size=16, episodes=1, max_generations=4, validation_episodes=6)
    result = train(config, workers=1)
    validation = result.card["validation"]
    assert validation["episodes"] == 6 and validation["candidates"] >= 2
    assert validation["fitness"] >= validation["all_time_best_fitness"]
    # the choice is reproduced by scoring the champion on the same validation episodes
    from pendulum_zoo.rollout.evaluator import PopulationEvaluator
    from pendulum_zoo.networks.policy import complexity_penalty
    from pendulum_zoo.rollout.seeding import training_episode_seeds
    from pendulum_zoo.training import VALIDATION_GENERATION

    with PopulationEvaluator(BALANCE, workers=1) as evaluator:
        evaluation = evaluator.evaluate(result.champion, training_episode_seeds(3, VALIDATION_GENERATION, 6))
    assert evaluation.returns.mean() - complexity_penalty(result.champion)[0] == validation["fitness"]
    unvalidated = train(short_run("mk2", population_size=16, episodes=1, max_generations=4, validation_episodes=0),
                        workers=1)
    assert unvalidated.card["validation"] is None
    assert unvalidated.card["training_fitness"] == max(r["best_fitness"] for r in unvalidated.log)


def test_log_records_hold_the_documented_fields(tmp_path):
    train(short_run("mk1", max_generations=2), tmp_path / "run", workers=1)
    records = read_log(tmp_path / "run" / "log.jsonl")
    for field in ("generation", "env_steps", "wall_time", "best_fitness", "elite_fitness_mean",
                  "population_fitness_mean", "best_connections", "population_connections_mean", "mutation_rate"):
        assert field in records[0]
    assert records[1]["env_steps"] > records[0]["env_steps"]
    assert 0.001 <= records[1]["mutation_rate"] <= 0.125


def test_an_existing_run_is_never_overwritten(tmp_path):
    train(short_run("mk1", max_generations=1), tmp_path / "run", workers=1)
    before = (tmp_path / "run" / "champion.json").read_bytes()
    with pytest.raises(ValueError, match="already holds a run"):
        train(short_run("mk1", max_generations=1), tmp_path / "run", workers=1)
    assert (tmp_path / "run" / "champion.json").read_bytes() == before


def test_resume_checks_the_configuration_and_the_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(short_run("mk1"), tmp_path / "empty", workers=1, resume=True)
    train(short_run("mk1", max_generations=1), tmp_path / "run", workers=1)
    with pytest.raises(ValueError, match="population_size"):
        train(short_run("mk1", max_generations=1, population_size=14), tmp_path / "run", workers=1, resume=True)


@pytest.mark.parametrize(("changes", "message"), (
    ({"population_size": 1}, "population_size must be at least 2"),
    ({"episodes": 0}, "episodes must be at least 1"),
    ({"threshold": "high"}, "threshold must be a number"),
    ({"threshold": float("nan")}, "threshold must be finite"),
    ({"min_generations": 5, "max_generations": 2}, "must not exceed"),
    ({"seed": -1}, "seed"),
    ({"hyperparameters": {"bogus": 1}}, "unknown hyperparameter"),
))
def test_bad_configurations_fail_before_any_work(tmp_path, changes, message):
    with pytest.raises((ValueError, TypeError), match=message):
        train(short_run("mk1", **changes), tmp_path / "run", workers=1)
    assert not os.path.exists(tmp_path / "run")


def test_unknown_algorithm_and_environment_are_rejected():
    with pytest.raises(ValueError, match="unknown algorithm"):
        TrainConfig("sgd", BALANCE).resolved()
    with pytest.raises(ValueError, match="unknown environment"):
        TrainConfig("mk1", "CartPole-v1").resolved()


def test_task_defaults_follow_the_article():
    balance = TrainConfig("mk1", "InvertedPendulumBulletEnv-v0").resolved()
    swingup = TrainConfig("mk1", "pendulum_zoo/InvertedPendulumSwingupWide-v0").resolved()
    assert (balance.population_size, balance.threshold, balance.episodes) == (128, 999.5, 8)
    assert (swingup.population_size, swingup.threshold) == (256, 880.0)
    assert (balance.min_generations, balance.max_generations) == (100, 1024)
    assert balance.env_id == BALANCE


@pytest.mark.parametrize("budget", (3, 8))
def test_resume_with_a_new_generation_budget_ends_as_a_run_started_with_it(tmp_path, budget):
    straight = train(short_run("mk1", max_generations=budget), tmp_path / "straight", workers=1)

    def interrupt(record):
        if record["generation"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(short_run("mk1", max_generations=5), tmp_path / "resumed", workers=1, callback=interrupt)
    resumed = train(short_run("mk1", max_generations=budget), tmp_path / "resumed", workers=1, resume=True)
    assert np.array_equal(straight.champion, resumed.champion)
    assert len(resumed.log) == budget
    assert without_wall_time(straight.log) == without_wall_time(resumed.log)
    assert {k: v for k, v in straight.card.items() if k != "wall_time_s"} == \
        {k: v for k, v in resumed.card.items() if k != "wall_time_s"}
    assert json.loads((tmp_path / "resumed" / "config.json").read_text())["max_generations"] == budget


def test_a_new_generation_budget_must_lie_ahead_of_an_unfinished_run(tmp_path):
    def interrupt(record):
        if record["generation"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(short_run("mk1"), tmp_path / "run", workers=1, callback=interrupt)
    with pytest.raises(ValueError, match="already run 3 generations"):
        train(short_run("mk1", max_generations=3), tmp_path / "run", workers=1, resume=True)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["max_generations"] == 5
    train(short_run("mk1"), tmp_path / "run", workers=1, resume=True)
    with pytest.raises(ValueError, match="only a budget above 5 extends it"):
        train(short_run("mk1", max_generations=4), tmp_path / "run", workers=1, resume=True)


@pytest.mark.slow  # swing-up episodes run all their 1000 steps
@pytest.mark.parametrize("algorithm, seed", (("mk2", 3), ("cma-layerwise", 5)))
def test_a_run_that_used_up_its_budget_goes_on_as_one_started_with_a_longer_budget(tmp_path, algorithm, seed):
    # swing-up, so that fitnesses differ, and seeds whose validation at generation 5 picks a member other
    # than the all-time best, which the longer run must get back
    config = replace(short_run(algorithm, seed=seed), env_id="pendulum_zoo/InvertedPendulumSwingup-v0")
    straight = train(replace(config, max_generations=8), tmp_path / "straight", workers=1)
    first = train(config, tmp_path / "extended", workers=1)
    assert first.card["stop_reason"] == "max_generations"
    assert first.card["validation"]["picked"].startswith("final generation")
    extended = train(replace(config, max_generations=8), tmp_path / "extended", workers=1, resume=True)
    assert np.array_equal(straight.champion, extended.champion)
    assert without_wall_time(straight.log) == without_wall_time(extended.log)
    assert {k: v for k, v in straight.card.items() if k != "wall_time_s"} == \
        {k: v for k, v in extended.card.items() if k != "wall_time_s"}
    params, card = load_policy(tmp_path / "extended" / "champion.json")
    assert card["generations"] == 8 and np.array_equal(params, straight.champion)


@pytest.mark.slow  # swing-up episodes run all their 1000 steps; seven runs
def test_a_solved_run_given_a_higher_threshold_goes_on_as_one_started_with_it(tmp_path):
    config = replace(short_run("mk2", seed=0, min_generations=2), env_id="pendulum_zoo/InvertedPendulumSwingup-v0")
    never = train(config, workers=1)  # threshold 2000: never reached, runs its 5 generations
    best = [record["best_fitness"] for record in never.log]
    # a threshold first reached after the low-threshold run below has stopped, so that its solved generation
    # and steps must be found again
    middle = max(best[2:])
    assert middle > max(best[:2])
    for threshold, min_generations in ((middle, 2), (2000.0, 2), (middle, 4)):
        rule = dict(threshold=threshold, min_generations=min_generations)
        folder = tmp_path / f"raised-{threshold}-{min_generations}"
        first = train(replace(config, threshold=-1e9), folder, workers=1)
        assert (first.card["stop_reason"], first.card["generations"], first.card["solved_generation"]) == \
            ("solved", 2, 0)
        raised = train(replace(config, **rule), folder, workers=1, resume=True)
        straight = train(replace(config, **rule), tmp_path / f"straight-{threshold}-{min_generations}", workers=1)
        assert np.array_equal(straight.champion, raised.champion)
        assert without_wall_time(straight.log) == without_wall_time(raised.log)
        assert {k: v for k, v in straight.card.items() if k != "wall_time_s"} == \
            {k: v for k, v in raised.card.items() if k != "wall_time_s"}
        assert json.loads((folder / "config.json").read_text())["threshold"] == threshold
        assert raised.card["solved_generation"] == (None if threshold == 2000.0 else best.index(middle))


def test_a_new_stopping_rule_must_not_have_stopped_the_run_earlier(tmp_path):
    finished = train(short_run("mk1"), tmp_path / "finished", workers=1)  # threshold 2000: ran its 5 generations
    lower = min(record["best_fitness"] for record in finished.log)
    with pytest.raises(ValueError, match="would have stopped after generation 1"):
        train(short_run("mk1", threshold=lower, max_generations=8), tmp_path / "finished", workers=1, resume=True)
    solved = train(short_run("mk1", threshold=-1e9, min_generations=3), tmp_path / "solved", workers=1)
    assert solved.card["generations"] == 3
    with pytest.raises(ValueError, match="would have stopped after generation 2"):
        train(short_run("mk1", threshold=-1e9, min_generations=2), tmp_path / "solved", workers=1, resume=True)
    with pytest.raises(ValueError, match="only a threshold above its final best fitness "):
        train(short_run("mk1", threshold=solved.log[-1]["best_fitness"], min_generations=3), tmp_path / "solved",
              workers=1, resume=True)
    for folder, threshold in (("finished", 2000.0), ("solved", -1e9)):
        assert json.loads((tmp_path / folder / "config.json").read_text())["threshold"] == threshold


def test_a_solved_run_cannot_be_given_a_new_budget(tmp_path):
    solved = train(short_run("mk1", threshold=0.0), tmp_path / "run", workers=1)
    assert solved.card["stop_reason"] == "solved"
    with pytest.raises(ValueError, match="already finished \\(solved, generation 1\\)"):
        train(short_run("mk1", threshold=0.0, max_generations=9), tmp_path / "run", workers=1, resume=True)
