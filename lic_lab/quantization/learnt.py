"""CWIC's learnt channel-wise multi-valued quantization (Li et al., sec. 3.1.3 and 3.3.1).

Encoder outputs lie in (0, 1) (a sigmoid). Channel ``k`` has ``T`` centres that are cumulative sums
of non-negative steps, ``q_{k,t} = sum_{t' <= t} s_{k,t'}`` (eq. 1), initialised for a uniform
input: ``s_{k,0} = 1 / (2T)``, ``s_{k,t} = 1 / T``.

* forward: the nearest centre ``t* = argmin_t (e - q_{k,t})^2`` (eq. 2); its index is the symbol;
* backward to the encoder: the identity (the straight-through proxy of eqs. 11-12);
* the quantization loss ``mean (Q(e) - e)^2`` (eq. 9) updates only the centres (the input is
  detached), so the centres do k-means-like steps toward the data;
* dead levels (sec. 3.3.1): when a channel's levels ``t >= t0`` stay unused for ``patience``
  successive batches, ``s_{k,t} = s_{k,t0-1} / (T - t0 + 1)`` for ``t = t0-1 .. T-1`` re-spreads them.

The paper's ablation variants (its Table 1): ``"lcmq"`` (the above), ``"lmq"`` (one learnt set of
centres shared by all channels), ``"fmq"`` (the initial centres, fixed), ``"bin"`` (two fixed
levels, 0 and 1: binarisation at 0.5).
"""

from __future__ import annotations

import torch
from torch import nn

MODES = ("lcmq", "lmq", "fmq", "bin")


class LearntQuantizer(nn.Module):
    """Channel-wise (or shared, fixed, binary) multi-valued quantizer of codes in (0, 1)."""

    steps: torch.Tensor  # a Parameter when learnt, a buffer otherwise
    idle: torch.Tensor
    top_used: torch.Tensor

    def __init__(self, channels: int, levels: int = 8, mode: str = "lcmq", patience: int = 50):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode == "bin":
            levels = 2
        if levels < 2:
            raise ValueError("a quantizer needs at least 2 levels")
        self.channels, self.levels, self.mode, self.patience = channels, levels, mode, patience
        self.adapt = True  # False freezes the centres' bookkeeping too (training only what comes after)
        rows = 1 if mode == "lmq" else channels
        init = torch.full((rows, levels), 1.0 / levels)
        init[:, 0] = 1.0 / (2 * levels)
        if mode == "bin":
            init = torch.tensor([[0.0, 1.0]]).expand(rows, 2).clone()
        if mode in ("lcmq", "lmq"):
            self.steps = nn.Parameter(init)
        else:
            self.register_buffer("steps", init)
        self.register_buffer("idle", torch.zeros(rows, dtype=torch.long))  # batches since the top levels were used
        self.register_buffer("top_used", torch.full((rows,), levels - 1, dtype=torch.long))  # highest level used then

    def centres(self) -> torch.Tensor:
        """``(channels, T)`` centres, eq. 1 (non-decreasing in ``t``)."""
        q = torch.cumsum(self.steps.clamp_min(0), dim=1)
        return q.expand(self.channels, -1)

    def forward(self, e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(Q(e) with identity gradient, level indices, quantization loss of eq. 9)`` for (N, C, H, W)."""
        learnt = self.training and self.adapt and self.mode in ("lcmq", "lmq")
        if learnt:
            self.respread_dead_levels()  # before the graph uses the steps
        q = self.centres()[None, :, None, None, :]  # (1, C, 1, 1, T)
        idx = (e.detach().unsqueeze(-1) - q).abs().argmin(-1)
        chosen = torch.gather(q.expand(*e.shape, -1), -1, idx.unsqueeze(-1)).squeeze(-1)
        quant_loss = ((chosen - e.detach()) ** 2).mean()
        if learnt:
            self.track_usage(idx)
        if not self.training:  # exactly the centre, as the decoder will see it (no straight-through sum)
            return chosen, idx, quant_loss
        return e + (chosen - e).detach(), idx, quant_loss

    def dequantize(self, idx: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) level indices -> their centres ``q_{k, idx}`` (what the decoder sees)."""
        q = self.centres()[None, :, None, None, :].expand(*idx.shape, -1)
        return torch.gather(q, -1, idx.long().unsqueeze(-1)).squeeze(-1)

    @torch.no_grad()
    def track_usage(self, idx: torch.Tensor) -> None:
        """Count, per channel (row), the successive batches in which the top levels went unused."""
        used_top = idx.transpose(0, 1).reshape(self.channels, -1).amax(1)
        if self.steps.shape[0] == 1:
            used_top = used_top.amax(0, keepdim=True)
        dead = used_top < self.levels - 1
        self.idle.copy_(torch.where(dead, self.idle + 1, torch.zeros_like(self.idle)))
        self.top_used.copy_(
            torch.where(
                dead,
                torch.minimum(self.top_used, used_top),
                self.top_used.new_full(self.top_used.shape, self.levels - 1),
            )
        )

    @torch.no_grad()
    def respread_dead_levels(self) -> list[int]:
        """Re-spread the rows whose levels ``t >= t0`` stayed unused for ``patience`` batches (sec. 3.3.1)."""
        respread = []
        for row in torch.nonzero(self.idle >= self.patience).flatten().tolist():
            t0 = int(self.top_used[row]) + 1  # levels t0 .. T-1 were never used
            share = self.steps[row, t0 - 1].clamp_min(0) / (self.levels - t0 + 1)
            self.steps[row, t0 - 1 :] = share  # q_{t0-2} stays, the top centre lands on the old q_{t0-1}
            self.idle[row] = 0
            self.top_used[row] = self.levels - 1
            respread.append(row)
        return respread


def fit_centres(
    samples: torch.Tensor,
    levels: int = 8,
    steps: int = 200,
    lr: float = 0.01,
    mode: str = "lcmq",
    patience: int = 20,
    batch: int = 256,
    seed: int = 0,
) -> tuple[LearntQuantizer, list[dict]]:
    """The quantizer alone on a 1-D sample (one channel): Adam on eq. 9, dead levels re-spread.

    Returns the quantizer and a history of ``{"step", "mse", "centres", "respread"}`` (every step).
    """
    gen = torch.Generator().manual_seed(seed)
    quantizer = LearntQuantizer(1, levels, mode, patience).train()
    params = [p for p in quantizer.parameters()]
    opt = torch.optim.Adam(params, lr=lr) if params else None
    history = []
    for step in range(steps):
        e = samples[torch.randint(len(samples), (batch,), generator=gen)].view(-1, 1, 1, 1)
        idle_before = int(quantizer.idle[0])
        _, _, loss = quantizer(e)
        respread = idle_before >= patience  # the forward pass re-spread the dead levels
        if opt is not None:
            opt.zero_grad()
            loss.backward()
            opt.step()
        history.append(
            {
                "step": step,
                "mse": float(loss.detach()),
                "respread": respread,
                "centres": quantizer.centres()[0].detach().clone().tolist(),
            }
        )
    return quantizer, history
