"""The input report (``networks/inputs.py``) of every masked champion of the zoo, as JSON rows and Markdown."""

from __future__ import annotations

import os

from pendulum_zoo.storage.fileio import atomic_write_text, write_json

from pendulum_zoo.networks.inputs import input_report
from pendulum_zoo.rl import PPO_ALGORITHMS
from pendulum_zoo.rl.imp import IMP_ALGORITHMS
from pendulum_zoo.zoo import champion_keys, env_name, load_champion

# the zoo's masked champions: the pruning learners, sparse PPO and the lottery tickets (CMA-ES and PPO are dense)
MASKED_ALGORITHMS = ("mk1", "mk2", PPO_ALGORITHMS[1], *IMP_ALGORITHMS.values())


def champion_input_row(algorithm: str, env_id: str) -> dict:
    """One champion's input report with its name and connection count."""
    policy = load_champion(algorithm, env_id)
    return {"algorithm": algorithm, "env_id": env_id, "connections": policy.connections,
            **input_report(policy).to_json()}


def zoo_input_rows(algorithms: tuple[str, ...] = MASKED_ALGORITHMS) -> list[dict]:
    return [champion_input_row(algorithm, env_id) for algorithm, env_id in champion_keys() if algorithm in algorithms]


def input_rows_markdown(rows: list[dict]) -> str:
    """A table: one row per network, per dimension its live first-layer connections / all of them, and a dash
    for a dimension that no longer reaches the output."""
    if not rows:
        return "(no networks)\n"
    names = [entry["name"] for entry in rows[0]["dimensions"]]
    lines = ["| network | task | connections | " + " | ".join(f"`{name}`" for name in names) + " | live inputs |",
             "|---|---|---:|" + "---:|" * len(names) + "---|"]
    for row in rows:
        cells = [f"{d['live_connections']}/{d['connections']}" if d["live"] else f"- ({d['connections']})"
                 for d in row["dimensions"]]
        lines.append(f"| {row['algorithm']} | {env_name(row['env_id'])} | {row['connections']} | "
                     + " | ".join(cells) + f" | {', '.join(row['live_names']) or 'none'} |")
    return "\n".join(lines) + "\n"


def write_zoo_inputs(folder: str) -> list[dict]:
    """``zoo_inputs.json`` and ``zoo_inputs.md`` in ``folder`` (atomic writes); returns the rows."""
    rows = zoo_input_rows()
    write_json(os.path.join(folder, "zoo_inputs.json"), {"format": "pendulum-zoo/input-reports", "format_version": 1,
                                                         "rows": rows})
    atomic_write_text(os.path.join(folder, "zoo_inputs.md"),
                      "# Which observations the zoo's masked champions still see\n\n"
                      "Per input: first-layer connections on a live path / all of them; `- (n)`: the input no "
                      "longer reaches the action (n connections end in dead hidden units). "
                      "Written by `pendulum_zoo.studies.inputs.write_zoo_inputs`.\n\n" + input_rows_markdown(rows))
    return rows
