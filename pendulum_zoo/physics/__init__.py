"""The physics layer: the cart-pole model (MJCF) and one pendulum in a private pybullet client."""
