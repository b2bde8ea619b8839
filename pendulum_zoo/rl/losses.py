"""PPO's losses and their gradients with respect to the networks' outputs, written by hand.

Gaussian policy with a state-independent log standard deviation (CleanRL ppo_continuous_action.py,
``Agent.get_action_and_value``); clipped surrogate objective (Schulman et al. 2017, eq. 7); squared-error value
loss. ``weights`` select and average the rows (1 / number of valid rows for the rows that count, 0 for the
autoreset steps of a vector env, whose actions the environments ignored).
"""

from __future__ import annotations

import math

import numpy as np

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_log_prob(actions: np.ndarray, mean: np.ndarray, log_std: np.ndarray) -> np.ndarray:
    """log N(actions; mean, exp(log_std)^2), summed over action dimensions: shape ``(R,)``."""
    z = (actions - mean) * np.exp(-log_std)
    return np.sum(-0.5 * z * z - log_std - LOG_SQRT_2PI, axis=1)


def gaussian_entropy(log_std: np.ndarray) -> float:
    """Entropy of the diagonal Gaussian: sum of ``log_std + 0.5 * log(2 pi e)``."""
    return float(np.sum(log_std + 0.5 + LOG_SQRT_2PI))


def policy_loss(mean: np.ndarray, log_std: np.ndarray, actions: np.ndarray, old_log_prob: np.ndarray,
                advantages: np.ndarray, weights: np.ndarray, clip: float, entropy_coef: float = 0.0):
    """Clipped surrogate loss ``-sum_r w_r min(ratio_r A_r, clip(ratio_r, 1 - c, 1 + c) A_r) - ent * H``.

    Returns ``(loss, grad_mean (R, A), grad_log_std (A,), info)``; ``info`` has the approximate KL
    (``(ratio - 1) - log ratio``, CleanRL's "approx_kl") and the fraction of rows clipped, both weighted.
    """
    log_prob = gaussian_log_prob(actions, mean, log_std)
    log_ratio = log_prob - old_log_prob
    ratio = np.exp(log_ratio)
    unclipped = ratio * advantages
    clipped = np.clip(ratio, 1.0 - clip, 1.0 + clip) * advantages
    loss = -float(np.sum(weights * np.minimum(unclipped, clipped))) - entropy_coef * gaussian_entropy(log_std)
    # d loss / d log_prob: through the unclipped branch where min() chose it, zero where the clip is active
    through = unclipped <= clipped
    grad_log_prob = -weights * advantages * ratio * through
    inv_var = np.exp(-2.0 * log_std)
    diff = actions - mean
    grad_mean = grad_log_prob[:, None] * diff * inv_var  # d log N / d mean = (a - mu) / sigma^2
    # d log N / d log_std = (a - mu)^2 / sigma^2 - 1; the entropy adds 1 per dimension
    grad_log_std = np.sum(grad_log_prob[:, None] * (diff * diff * inv_var - 1.0), axis=0) - entropy_coef
    info = {
        "approx_kl": float(np.sum(weights * ((ratio - 1.0) - log_ratio))),
        "clip_fraction": float(np.sum(weights * (np.abs(ratio - 1.0) > clip))),
    }
    return loss, grad_mean, grad_log_std, info


def value_loss(values: np.ndarray, returns: np.ndarray, weights: np.ndarray, value_coef: float):
    """``value_coef * 0.5 * sum_r w_r (V_r - R_r)^2`` (CleanRL: ``0.5 * mean(...)`` times ``vf_coef``);
    returns ``(loss, grad_values (R,))``."""
    error = values - returns
    loss = value_coef * 0.5 * float(np.sum(weights * error * error))
    return loss, value_coef * weights * error
