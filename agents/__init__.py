"""The zoo's champions, shipped as package data of ``pendulum_zoo.agents``; load them with
``pendulum_zoo.load_champion(algorithm, env_id)``."""
