"""Pictures of networks and training runs, with numpy, rich and the standard library only.

- ``network_svg`` / ``write_network_svg``: a policy network as an SVG figure, its effective circuit highlighted;
- ``network_renderable``: the same network as a rich table for the terminal;
- ``mlp_svg`` / ``write_mlp_svg`` / ``mlp_renderable``: any MLP (PPO's agents), as a figure and as a table;
- ``learning_curve_svg`` / ``write_learning_curve_svg``: a training log's fitness and connection curves;
- ``encode_png``, ``encode_apng`` / ``write_apng``: still and animated PNG files from RGB frames.
"""

from pendulum_zoo.drawing.apng import encode_apng, encode_png, write_apng
from pendulum_zoo.drawing.curve_svg import learning_curve_svg, write_learning_curve_svg
from pendulum_zoo.drawing.mlp_figure import mlp_renderable, mlp_svg, write_mlp_svg
from pendulum_zoo.drawing.network_svg import Circuit, circuit, network_svg, write_network_svg
from pendulum_zoo.drawing.network_text import network_renderable

__all__ = [
    "Circuit",
    "circuit",
    "encode_apng",
    "encode_png",
    "learning_curve_svg",
    "mlp_renderable",
    "mlp_svg",
    "network_renderable",
    "network_svg",
    "write_apng",
    "write_learning_curve_svg",
    "write_mlp_svg",
    "write_network_svg",
]
