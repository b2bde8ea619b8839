"""Adam (Kingma and Ba 2015) over a list of numpy arrays, updated in place, and global gradient-norm clipping."""

from __future__ import annotations

import numpy as np


def clip_global_norm(grads: list[np.ndarray], max_norm: float) -> float:
    """Scale ``grads`` in place so that their joint L2 norm is at most ``max_norm``; returns the norm before.

    As torch.nn.utils.clip_grad_norm_: coefficient ``max_norm / (norm + 1e-6)``, applied only when below 1.
    """
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
    coefficient = max_norm / (norm + 1e-6)
    if coefficient < 1.0:
        for g in grads:
            g *= coefficient
    return norm


class Adam:
    """Adam with bias correction, torch.optim.Adam's arithmetic; ``eps`` 1e-5 as CleanRL's and SB3's PPO.

    The moments of all parameters live in one flat buffer each (``m`` and ``v`` are views of it), so that a
    step is a few passes over one vector rather than a few per parameter array: the same element-wise
    arithmetic, hence the same numbers, in a fraction of the calls (PPO's minibatches are small).
    """

    def __init__(self, params: list[np.ndarray], lr: float = 3e-4, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-5) -> None:
        self.params = params
        self.lr, self.betas, self.eps = float(lr), (float(betas[0]), float(betas[1])), float(eps)
        bounds = np.cumsum([0] + [p.size for p in params])
        self._slices = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        self._m, self._v = np.zeros(int(bounds[-1])), np.zeros(int(bounds[-1]))
        self.m = [self._m[s].reshape(p.shape) for s, p in zip(self._slices, params)]
        self.v = [self._v[s].reshape(p.shape) for s, p in zip(self._slices, params)]
        self.steps = 0

    def step(self, grads: list[np.ndarray], lr: float | None = None) -> None:
        lr = self.lr if lr is None else float(lr)
        beta1, beta2 = self.betas
        self.steps += 1
        correction1 = 1.0 - beta1 ** self.steps
        correction2 = 1.0 - beta2 ** self.steps
        g = np.concatenate([grad.ravel() for grad in grads])
        m, v = self._m, self._v
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * g * g
        # torch.optim.Adam: p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
        update = (lr / correction1) * m / (np.sqrt(v) / np.sqrt(correction2) + self.eps)
        for p, part in zip(self.params, self._slices):
            p -= update[part].reshape(p.shape)

    def reset_moments(self, index: int, where: np.ndarray) -> None:
        """Zero both moments of ``params[index]`` where ``where`` is true (pruned or regrown weights), so
        that nothing a dropped weight learned leaks into a weight grown in its place."""
        self.m[index][where] = 0.0
        self.v[index][where] = 0.0

    def state(self) -> dict:
        return {"steps": self.steps, "m": [m.copy() for m in self.m], "v": [v.copy() for v in self.v]}

    def load_state(self, state: dict) -> None:
        self.steps = int(state["steps"])
        for mine, theirs in zip(self.m + self.v, list(state["m"]) + list(state["v"])):
            mine[...] = theirs
