"""Bytes that DistributedDataParallel moves per training step for a loss
with per-sample state (ROLE by default), on 2 CPU processes over gloo.

DDP broadcasts every buffer of the wrapped model from rank 0 before each
forward and all-reduces the gradients after each backward. The script counts
both, per step, for a small model (a linear layer with BatchNorm, the
classifier and the loss) whose loss keeps state for ``--num-samples`` x
``--num-classes`` entries, and prints them next to the model's parameter
bytes. Run it against two checkouts to compare them::

    python tools/analysis/benchmark_ddp_traffic.py --num-samples 100000
    PYTHONPATH=/path/to/old/checkout python tools/analysis/...
"""

import argparse
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

import mmspml
from mmspml.datasets import SparseLabels
from mmspml.models.losses import EMAPLLoss, LLCpLoss, ROLELoss

LOSSES = dict(
    role=lambda: ROLELoss(expected_num_pos=2.9),
    emapl=lambda: EMAPLLoss(),
    llcp=lambda: LLCpLoss(delta_rel=0.1),
)


class Model(nn.Module):
    """Features -> BatchNorm'd linear -> classifier -> SPML loss."""

    def __init__(self, num_classes: int, loss: nn.Module, dim: int = 64):
        super().__init__()
        self.neck = nn.Sequential(nn.Linear(dim, dim), nn.BatchNorm1d(dim))
        self.fc = nn.Linear(dim, num_classes)
        self.loss = loss

    def forward(self, feats, target, sample_idx):
        return self.loss(
            self.fc(self.neck(feats)), target, sample_idx=sample_idx
        )


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--loss', choices=sorted(LOSSES), default='role')
    parser.add_argument('--num-samples', type=int, default=100_000)
    parser.add_argument('--num-classes', type=int, default=1000)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--steps', type=int, default=3)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def worker(rank: int, args, port: int, results) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    torch.manual_seed(0)
    loss = LOSSES[args.loss]()
    model = DDP(Model(args.num_classes, loss))
    # As LossSampleStateHook does: set up after the model is wrapped.
    labels = SparseLabels.from_single(
        torch.arange(args.num_samples).numpy() % args.num_classes,
        args.num_classes,
    )
    loss.init_sample_state(labels)
    loss.set_epoch(2, 3)

    counted = dict(broadcast=0, allreduce=0)
    broadcast = model._distributed_broadcast_coalesced

    def counting_broadcast(tensors, *rest, **kwargs):
        counted['broadcast'] += sum(
            t.numel() * t.element_size() for t in tensors
        )
        return broadcast(tensors, *rest, **kwargs)

    def counting_allreduce(state, bucket):
        grads = bucket.buffer()
        counted['allreduce'] += grads.numel() * grads.element_size()
        return (
            dist.all_reduce(grads.div_(2), async_op=True)
            .get_future()
            .then(lambda fut: fut.value()[0])
        )

    model._distributed_broadcast_coalesced = counting_broadcast
    model.register_comm_hook(None, counting_allreduce)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    gen = torch.Generator().manual_seed(rank)
    dense = labels.to_dense()
    per_step = []
    for step in range(args.steps + 1):  # the first step warms up
        start = rank * args.batch_size + step * 2 * args.batch_size
        idx = torch.arange(start, start + args.batch_size) % args.num_samples
        feats = torch.randn(args.batch_size, 64, generator=gen)
        target = torch.as_tensor(dense[idx.numpy()], dtype=torch.float32)
        counted.update(broadcast=0, allreduce=0)
        tic = time.perf_counter()
        value = model(feats, target, idx)
        opt.zero_grad()
        value.backward()
        opt.step()
        loss.step_state()
        if step:
            per_step.append(
                (
                    counted['broadcast'],
                    counted['allreduce'],
                    time.perf_counter() - tic,
                )
            )
    if rank == 0:
        params = sum(
            p.numel() * p.element_size() for p in model.module.parameters()
        )
        buffers = sum(
            b.numel() * b.element_size() for b in model.module.buffers()
        )
        results.update(params=params, buffers=buffers, per_step=per_step)
    dist.destroy_process_group()


def main():
    args = parse_args()
    with mp.Manager() as manager:
        results = manager.dict()
        mp.spawn(worker, args=(args, free_port(), results), nprocs=2)
        results = dict(results)
    steps = results['per_step']
    broadcast = sum(s[0] for s in steps) / len(steps)
    allreduce = sum(s[1] for s in steps) / len(steps)
    seconds = sum(s[2] for s in steps) / len(steps)

    def size(n):
        return f'{n:15,.0f} bytes ({n / 2**20:9.2f} MiB)'

    print(
        f'{args.loss} state for {args.num_samples} x {args.num_classes}, '
        f'2 processes (gloo), batch {args.batch_size}, mean of '
        f'{len(steps)} steps after one warm-up; mmspml from '
        f'{os.path.dirname(mmspml.__file__)}:'
    )
    print(f'  model parameters        {size(results["params"])}')
    print(f'  model buffers           {size(results["buffers"])}')
    print(f'  buffer broadcast / step {size(broadcast)}')
    print(f'  gradient all-reduce     {size(allreduce)}')
    print(f'  step time               {seconds:15.3f} s')


if __name__ == '__main__':
    main()
