"""Training speed on this machine: steps/s and images/s for one model, batch and patch.

    python scripts/train_speed.py [--arch mean_scale_hyperprior] [--steps 30] [--variants eager,channels_last,compile]

Each variant runs in its own process (clean thread settings) on synthetic batches, after a
warm-up; "2x1t" runs two 1-thread processes at once (two independent runs, or, for "ddp", one
DistributedDataParallel run over gloo whose steps each see two batches) and reports the machine's
total steps per second. The step is the trainer's (rate-distortion loss, aux loss, Adam). Writes a JSON
table to data/results/train_speed.json (or --out).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, time, json, torch
from lic_lab.models import build_model
from lic_lab.training.losses import rd_loss
arch, steps, batch, patch, threads, layout, compiled = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7] == "1"
torch.set_num_threads(threads)
torch.manual_seed(0)
model = build_model({"arch": arch, "N": 64, "M": 96})
model.train()
fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
model = model.to(memory_format=fmt)
fwd = torch.compile(model) if compiled else model
import os
if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # DistributedDataParallel over gloo (CPU processes)
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    dist.init_process_group("gloo")
    fwd = DistributedDataParallel(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
x = torch.rand(batch, 3, patch, patch).contiguous(memory_format=fmt)
def step():
    out = fwd(x)
    loss = rd_loss(x, out, 0.0067, "mse")["loss"]
    aux = model.aux_loss()
    if aux is not None:
        loss = loss + aux
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
for _ in range(5):
    step()
t0 = time.perf_counter()
c0 = time.process_time()
for _ in range(steps):
    step()
wall = time.perf_counter() - t0
cpu = time.process_time() - c0
print(json.dumps({"s_per_step": wall / steps, "cpu_s_per_step": cpu / steps}))
"""


def run(args: argparse.Namespace, threads: int, layout: str, compiled: bool, copies: int = 1,
        ddp: bool = False) -> list[dict]:
    """Run the child ``copies`` times at once (independent runs, or one DDP run of ``copies`` processes)."""
    import os

    cmd = [sys.executable, "-c", CHILD, args.arch, str(args.steps), str(args.batch), str(args.patch), str(threads),
           layout, "1" if compiled else "0"]
    envs = []
    for rank in range(copies):
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        if ddp:
            env.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(copies), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT="29533")
        envs.append(env)
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env) for env in envs]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="mean_scale_hyperprior")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=128)
    ap.add_argument("--variants", default="eager-2t,channels_last-2t,compile-2t,compile_channels_last-2t,eager-1t,channels_last-1t,"
                                          "channels_last-2x1t,ddp-2x1t")
    ap.add_argument("--out", default="data/results/train_speed.json")
    args = ap.parse_args()
    rows = []
    for name in args.variants.split(","):
        layout_name, threads_name = name.rsplit("-", 1)
        copies, threads = (2, 1) if threads_name == "2x1t" else (1, int(threads_name[0]))
        ddp = layout_name == "ddp"  # one run in two processes: each step is a batch per process
        compiled = layout_name.startswith("compile")  # "compile" or "compile_channels_last"
        layout = "channels_last" if layout_name.endswith("channels_last") else "contiguous"
        res = run(args, threads, layout, compiled, copies, ddp)
        s = sum(r["s_per_step"] for r in res) / len(res)
        per_machine = (1 if ddp else copies) / s  # optimizer steps/s the whole machine makes
        rows.append({"variant": name, "threads": threads, "processes": copies, "s_per_step": round(s, 4),
                     "machine_steps_per_s": round(per_machine, 3),
                     "machine_images_per_s": round(copies * args.batch / s, 2)})
        print(json.dumps(rows[-1]), flush=True)
    base = rows[0]["machine_images_per_s"]
    for r in rows:
        r["speedup_vs_first"] = round(r["machine_images_per_s"] / base, 2)  # in images per second
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"arch": args.arch, "N": 64, "M": 96, "batch": args.batch, "patch": args.patch,
                                          "steps": args.steps, "rows": rows}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
