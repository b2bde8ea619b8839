"""The sparsity sweep (studies/): plan, resumable runner, summary, plot and commentary, CLI."""

import json
import os
import shutil

import pytest

from pendulum_zoo.cli import main
from pendulum_zoo.rl.sparse import matched_dense_width
from pendulum_zoo.studies.sparsity_sweep import finished_results, run_sweep, sweep_outputs, write_outputs
from pendulum_zoo.studies.sweep_commentary import commentary_markdown
from pendulum_zoo.studies.sweep_plan import load_plan, parse_plan
from pendulum_zoo.studies.sweep_plot import sweep_svg
from pendulum_zoo.studies.sweep_summary import summarise, zoo_points

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FULL_PLAN = os.path.join(REPO, "evaluation", "sparsity-sweep", "plan.json")
ENV = "pendulum_zoo/InvertedPendulumSwingupWide-v0"


def tiny_plan_data(**changes):
    """2 methods x 1 sparsity x 2 seeds (with the narrowed and the full dense network), a tiny budget."""
    data = read(FULL_PLAN)
    data.update(seeds=[0, 1], methods=["set", "rigl"], sparsities=[0.9], evaluation={"episodes": 3, "seed": 0},
                ppo={"num_envs": 2, "num_steps": 64, "total_steps": 256, "minibatch_size": 32, "epochs": 2})
    data["analysis"]["bootstrap_resamples"] = 2000
    data.pop("timing", None)
    data.update(changes)
    return data


def write_plan(folder, data):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A tiny sweep run once: its plan path; tests copy the folder before changing anything."""
    path = write_plan(tmp_path_factory.mktemp("sweep"), tiny_plan_data())
    plan = load_plan(path)
    run_sweep(plan, sweep_outputs(path), workers=1)
    return path


def copy_of(finished, tmp_path):
    shutil.copytree(os.path.dirname(finished), tmp_path / "copy")
    return str(tmp_path / "copy" / "plan.json")


def test_the_full_plan_names_every_group_of_the_issue():
    plan = load_plan(FULL_PLAN)
    groups = {run.group for run in plan.runs()}
    sparse = {f"{m}-{s:g}" for m in ("static", "set", "rigl", "prune") for s in (0.5, 0.8, 0.9, 0.95, 0.98)}
    assert groups == sparse | {f"dense-{s:g}" for s in (0.5, 0.8, 0.9, 0.95, 0.98)} | {"dense"}
    assert len(plan.seeds) >= 5 and len(plan.runs()) == len(groups) * len(plan.seeds)
    assert plan.env_id == ENV and plan.distribution == "erk" and plan.evaluation_episodes == 100
    narrowed = [run for run in plan.runs() if run.method == "dense" and run.sparsity > 0 and run.seed == 0]
    assert [run.hidden[0] for run in narrowed] == [matched_dense_width((5, 64, 64, 1), s) for s in plan.sparsities]
    config = plan.ppo_config(next(run for run in plan.runs() if run.group == "rigl-0.9"))
    assert (config.sparse.method, config.sparse.sparsity, config.sparse.distribution) == ("rigl", 0.9, "erk")
    assert config.actor_hidden == config.critic_hidden == (64, 64)
    assert plan.estimated_hours(2) is None or plan.estimated_hours(2) < 8.5  # the issue's budget


@pytest.mark.parametrize(("change", "message"), (
    ({"method": ["set"]}, "unknown key 'method' (did you mean 'methods'?)"),
    ({"methods": ["rigel"]}, "did you mean 'rigl'?"),
    ({"sparsities": [1.0]}, "strictly between 0 and 1"),
    ({"seeds": [0, 0]}, "names some runs twice"),
    ({"ppo": {"learning_rat": 0.1}}, "did you mean 'learning_rate'?"),
    ({"ppo": {"learning_rate": -1.0}}, "learning rate must be at least 0"),
    ({"ppo": {"seed": 3}}, "unknown key 'seed'"),
    ({"sparse": {"rigl": {"drop_fraction": 2.0}}}, "drop fraction must be at most 1"),
    ({"format_version": 9}, "not a version 1"),
    ({"dense_full": "yes"}, "dense_full must be true or false"),
))
def test_bad_plans_are_refused_with_the_problem_named(change, message):
    with pytest.raises(ValueError, match="sweep plan x") as error:
        parse_plan(tiny_plan_data(**change), "sweep plan x")
    assert message in str(error.value)


def test_a_sweep_writes_one_result_per_run_and_resumes(finished, tmp_path):
    path = copy_of(finished, tmp_path)
    plan, outputs = load_plan(path), sweep_outputs(path)
    names = sorted(os.listdir(outputs.runs))
    assert names == sorted(f"{run.name}.json" for run in plan.runs()) and len(names) == 8
    stamps = {name: os.stat(os.path.join(outputs.runs, name)).st_mtime_ns for name in names}
    trained = []
    results = run_sweep(plan, outputs, on_result=lambda result, done, total: trained.append(result["run"]))
    assert trained == [] and len(results) == 8  # every run skipped
    assert stamps == {name: os.stat(os.path.join(outputs.runs, name)).st_mtime_ns for name in names}
    removed = os.path.join(outputs.runs, "rigl-0.9-seed1.json")
    before = read(removed)
    os.remove(removed)
    again = run_sweep(plan, outputs, on_result=lambda result, done, total: trained.append(result["run"]))
    assert trained == ["rigl-0.9-seed1"]  # only the missing run is trained again, and it ends the same
    assert again["rigl-0.9-seed1"]["report"]["returns"] == before["report"]["returns"]
    assert before["actor"]["connections"] == 448 and before["actor"]["weights"] == 4480  # 90% of 5-64-64-1


def test_worker_processes_give_the_same_results(finished, tmp_path):
    path = write_plan(tmp_path / "parallel", tiny_plan_data())
    names = ["set-0.9-seed0", "dense-0.9-seed1"]
    results = run_sweep(load_plan(path), sweep_outputs(path), workers=2, only=names)
    assert sorted(results) == sorted(names)
    alone = finished_results(load_plan(finished), sweep_outputs(finished))
    for name in names:
        assert results[name]["report"]["returns"] == alone[name]["report"]["returns"]
        assert results[name]["settings"] == alone[name]["settings"]


def read(path):
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def overwrite(path, text):
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)


def _tamper(path, change):
    data = read(path)
    change(data)
    overwrite(path, json.dumps(data))


@pytest.mark.parametrize(("damage", "message"), (
    (lambda path: overwrite(path, '{"format": "pendulum-zoo/sparsity-sweep-run", "form'), "not valid JSON"),
    (lambda path: overwrite(path, "[]"), "is not a pendulum-zoo/sparsity-sweep-run file"),
    (lambda path: _tamper(path, lambda d: d.update(score=d["score"] + 1.0)), "records score"),
    (lambda path: _tamper(path, lambda d: d["report"]["returns"].pop()), "its statistics do not match"),
    (lambda path: _tamper(path, lambda d: d.update(seed=7)), "is labelled seed = 7"),
    (lambda path: _tamper(path, lambda d: d["actor"].update(connections="many")), "is damaged"),
    (lambda path: _tamper(path, lambda d: d["training"].pop("cpu_seconds")), "training.cpu_seconds"),
))
def test_a_damaged_result_is_named_and_never_used(finished, tmp_path, damage, message):
    path = copy_of(finished, tmp_path)
    plan, outputs = load_plan(path), sweep_outputs(path)
    target = os.path.join(outputs.runs, "set-0.9-seed1.json")
    damage(target)
    stamps = {name: os.stat(os.path.join(outputs.runs, name)).st_mtime_ns for name in os.listdir(outputs.runs)}
    with pytest.raises(ValueError, match="cannot be used") as error:
        run_sweep(plan, outputs)
    assert target in str(error.value) and message in str(error.value)
    assert stamps == {name: os.stat(os.path.join(outputs.runs, name)).st_mtime_ns for name in os.listdir(outputs.runs)}
    with pytest.raises(ValueError, match="set-0.9-seed1"):
        write_outputs(plan, outputs, finished_results(plan, outputs))


def test_results_of_other_settings_are_refused(finished, tmp_path):
    path = copy_of(finished, tmp_path)
    data = tiny_plan_data()
    data["ppo"]["total_steps"] = 512  # the plan changed since the runs were made
    write_plan(tmp_path / "copy", data)
    with pytest.raises(ValueError, match="other ppo settings than the plan's \\(differing: total_steps\\)"):
        finished_results(load_plan(path), sweep_outputs(path))


def fake_results(plan, scores):
    """Result records as ``summarise`` reads them, with the given scores per group (one per seed)."""
    results = {}
    for run in plan.runs():
        connections = run.hidden[0] * (5 + run.hidden[0] + 1) if run.method == "dense" else 448
        results[run.name] = {"run": run.name, "seed": run.seed, "score": scores[run.group][plan.seeds.index(run.seed)],
                             "actor": {"connections": connections},
                             "training": {"seconds": 100.0, "cpu_seconds": 80.0},
                             "evaluation_seconds": 2.0, "evaluation_cpu_seconds": 1.0}
    return results


def test_a_paused_run_does_not_size_the_plan():
    # a run stopped for an hour by other jobs inflates the mean wall time; the plan's hours come from the median
    plan = parse_plan(tiny_plan_data(seeds=[0, 1, 2, 3, 4]))
    scores = {group: [850.0] * 5 for group in ("dense", "dense-0.9", "set-0.9", "rigl-0.9")}
    results = fake_results(plan, scores)
    paused = next(iter(results.values()))
    paused["training"]["seconds"] = 3700.0
    runs = summarise(plan, results, zoo=[])["runs"]
    assert runs["median_seconds"] == 102.0 and runs["mean_seconds"] > 200.0
    assert runs["measured_hours"]["1"] == pytest.approx(102.0 * 20 / 3600)


def test_summary_plot_and_commentary_come_from_the_data():
    plan = parse_plan(tiny_plan_data(seeds=[0, 1, 2, 3, 4]))
    good = {"dense": [850, 852, 848, 851, 849], "dense-0.9": [300, 320, 310, 305, 315],
            "set-0.9": [846, 851, 849, 850, 848], "rigl-0.9": [849, 850, 847, 852, 851]}
    zoo = [{"champion": "mk1-InvertedPendulumSwingupWide-v0", "algorithm": "mk1", "connections": 29, "mean": 889.4}]
    summary = summarise(plan, fake_results(plan, good), zoo=zoo)
    claims = {key: entry["verdict"] for key, entry in summary["claims"].items()}
    assert claims == {"sparse_beats_dense": "holds", "prunable_without_loss": "holds", "rigl_like_set": "holds"}
    groups = {g["group"]: g for g in summary["groups"]}
    assert groups["set-0.9"]["iqm"][0] == pytest.approx(849.0)  # 848, 849, 850 kept
    assert summary["runs"]["mean_seconds"] == 102.0 and summary["runs"]["mean_cpu_seconds"] == 81.0
    assert summary["runs"]["measured_hours"]["2"] == pytest.approx(102.0 * 20 / 2 / 3600)
    text = commentary_markdown(summary)
    assert "a median of 102 s of wall time each (training and evaluation; mean 102 s, 81 s of CPU" in text
    for group in groups.values():
        estimate, low, high = group["iqm"]
        assert f"{estimate:.1f} [{low:.1f}, {high:.1f}]" in text
    assert "## Claim 1: Sparse networks beat dense networks of the same parameter count — holds" in text
    assert "| mk1-InvertedPendulumSwingupWide-v0 | 29 | 889.4 |" in text
    figure = sweep_svg(summary)
    assert figure.count('class="point"') == 4 and figure.count('class="champion"') == 1
    assert f'data-group="set-0.9" data-iqm="{groups["set-0.9"]["iqm"][0]:.6g}"' in figure
    assert figure.count('class="series"') == 3  # SET, RigL and the narrowed dense networks; the full one: a line
    assert 'class="dense-full"' in figure and 'class="threshold"' in figure

    worse = dict(good, **{"set-0.9": [250, 260, 255, 240, 245], "rigl-0.9": [150, 160, 155, 140, 145]})
    summary = summarise(plan, fake_results(plan, worse), zoo=[])
    claims = {key: entry["verdict"] for key, entry in summary["claims"].items()}
    assert claims == {"sparse_beats_dense": "contradicted", "prunable_without_loss": "contradicted",
                      "rigl_like_set": "does not hold"}
    assert "— contradicted" in commentary_markdown(summary)


def test_a_group_with_too_few_runs_is_not_judged():
    plan = parse_plan(tiny_plan_data())
    results = fake_results(plan, {group: [800.0, 801.0] for group in ("dense", "dense-0.9", "set-0.9", "rigl-0.9")})
    del results["rigl-0.9-seed1"]
    summary = summarise(plan, results, zoo=[])
    assert summary["claims"]["rigl_like_set"]["verdict"] == "not tested (too few runs)"
    assert {g["group"]: g["runs"] for g in summary["groups"]}["rigl-0.9"] == 1
    assert "1 of 2" in commentary_markdown(summary)


def test_the_zoo_champions_come_from_their_cards():
    from pendulum_zoo.zoo import load_champion

    points = {p["algorithm"]: p for p in zoo_points(ENV)}
    assert {"mk1", "mk2", "cma", "ppo", "ppo-sparse"} <= set(points)
    for algorithm, point in points.items():
        policy = load_champion(algorithm, ENV)
        assert point["connections"] == policy.connections > 0
        assert point["mean"] == policy.card["zoo"]["protocol"]["mean"] > 0
    assert all(points[name]["connections"] <= 192 for name in ("mk1", "mk2", "cma"))  # the article's network


def test_the_sweep_command(finished, tmp_path, capsys):
    path = copy_of(finished, tmp_path)
    assert main(["sweep", "--plan", path, "--workers", "1"]) == 0  # nothing left to train: only the outputs
    out = capsys.readouterr().out
    assert "0 of 8 runs to train" in out and "sparse beats dense" in out
    outputs = sweep_outputs(path)
    for written in (outputs.summary, outputs.plot, outputs.commentary):
        assert os.path.getsize(written) > 0
    assert main(["sweep", "--plan", path, "--list"]) == 0
    assert "8 of 8 runs finished" in capsys.readouterr().out
    empty = write_plan(tmp_path / "empty", tiny_plan_data())
    assert main(["sweep", "--plan", empty, "--plot-only"]) == 2
    assert "no finished run" in capsys.readouterr().err
    assert main(["sweep", "--plan", empty, "--only", "rigl-0.9-seed9"]) == 2
    assert "the plan has no run 'rigl-0.9-seed9'" in capsys.readouterr().err
    assert main(["sweep", "--plan", str(tmp_path / "missing.json")]) == 2
    assert "sweep plan not found" in capsys.readouterr().err


@pytest.mark.parametrize(("at_80", "at_90", "verdict"), (
    (850, 849, "holds"),
    (850, 700, "holds up to 80% only"),
    (700, 690, "contradicted"),
))
def test_the_no_loss_verdict_looks_at_80_and_90_percent(at_80, at_90, verdict):
    plan = parse_plan(tiny_plan_data(seeds=[0, 1, 2, 3], methods=["rigl"], sparsities=[0.8, 0.9]))
    spread = [-1.0, 0.0, 1.0, 0.5]
    scores = {"dense": [850 + d for d in spread], "dense-0.8": [500 + d for d in spread],
              "dense-0.9": [400 + d for d in spread], "rigl-0.8": [at_80 + d for d in spread],
              "rigl-0.9": [at_90 + d for d in spread]}
    summary = summarise(plan, fake_results(plan, scores), zoo=[])
    assert summary["claims"]["prunable_without_loss"]["verdict"] == verdict
