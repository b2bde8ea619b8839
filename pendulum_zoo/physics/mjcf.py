"""The cart-pole MJCF model, generated for any track width.

The text is pybullet_data's ``mjcf/inverted_pendulum.xml`` (pybullet 3.2.7) with two fields filled in: the
slider joint's range and the rail capsule. At ``track_half_width=1.0`` it is the legacy file byte for byte.
The widened track follows the synaptolytic-learning repository's README, which for a -2..2 track used
``range="-2 2"``, ``pos="-2 0 0"`` and ``size="0.02 4"`` for the rail. The rail has no mass and collides with
nothing (``contype="0"``), so its placement changes only the picture, never the dynamics.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from pendulum_zoo.validation import check_number

_TEMPLATE = """<mujoco model="inverted pendulum">
	<compiler inertiafromgeom="true"/>
	<default>
		<joint armature="0" damping="1" limited="true"/>
		<geom contype="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
		<tendon/>
		<motor ctrlrange="-3 3"/>
	</default>
	<option gravity="0 0 -9.81" integrator="RK4" timestep="0.02"/>
	<size nstack="3000"/>
	<worldbody>
		<!--geom name="ground" type="plane" pos="0 0 0" /-->
		<geom name="rail" pos="{rail_pos} 0 0" quat="0.707 0 0.707 0" rgba="0.3 0.3 0.7 1" size="0.02 {rail_size}" type="capsule"/>
		<body name="cart" pos="0 0 0">
			<joint axis="1 0 0" limited="true" name="slider" pos="0 0 0" range="-{half} {half}" type="slide"/>
			<geom name="cart" pos="0 0 0" quat="0.707 0 0.707 0" size="0.1 0.1" type="capsule"/>
			<body name="pole" pos="0 0 0">
				<joint axis="0 1 0" name="hinge" pos="0 0 0" limited="false" range="-90 90" type="hinge"/>
				<geom fromto="0 0 0 0.001 0 0.6" name="cpole" rgba="0 0.7 0.7 1" size="0.049 0.3" type="capsule"/>
				<!--                 <body name="pole2" pos="0.001 0 0.6"><joint name="hinge2" type="hinge" pos="0 0 0" axis="0 1 0"/><geom name="cpole2" type="capsule" fromto="0 0 0 0 0 0.6" size="0.05 0.3" rgba="0.7 0 0.7 1"/><site name="tip2" pos="0 0 .6"/></body>-->
			</body>
		</body>
	</worldbody>
	<actuator>
		<motor gear="100" joint="slider" name="slide"/>
	</actuator>
</mujoco>
"""


def _number(value: float) -> str:
    """Shortest text that reads back as ``value``: ``1.0`` -> ``1``, ``2.5`` -> ``2.5``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def check_track_half_width(track_half_width: object) -> float:
    """Return ``track_half_width`` as a float (numpy scalars accepted), or raise TypeError/ValueError naming the
    problem."""
    return check_number("track_half_width", track_half_width, positive=True)


def pendulum_mjcf(track_half_width: float = 1.0) -> str:
    """The MJCF text of the cart-pole with the slider limited to ``[-track_half_width, track_half_width]``."""
    half = check_track_half_width(track_half_width)
    if half == 1.0:
        rail_pos, rail_size = 0.0, 1.0  # the legacy file
    else:
        # The article's widened rail: pos = -half, size = 2 * half (its README's "-2 0 0" and "0.02 4").
        rail_pos, rail_size = -half, 2.0 * half
    return _TEMPLATE.format(rail_pos=_number(rail_pos), rail_size=_number(rail_size), half=_number(half))


@contextlib.contextmanager
def mjcf_file(track_half_width: float = 1.0) -> Iterator[str]:
    """Write the model to a private temporary file for ``loadMJCF`` and remove it afterwards."""
    text = pendulum_mjcf(track_half_width)
    with tempfile.TemporaryDirectory(prefix="pendulum_zoo_") as folder:
        path = os.path.join(folder, "inverted_pendulum.xml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        yield path
