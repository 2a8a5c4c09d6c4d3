"""Time GRLoss (forward + backward) against a reference-style implementation
(probabilities first, boolean masks) in the same process, and print ratios.

    python tools/benchmark_loss.py [--device cuda] [--batch 8 64]
        [--classes 80]
"""

import argparse
import time

import torch

from mmspml.benchmark.reference_loop import masked_gr_loss
from mmspml.models.losses import GRLoss


def time_it(fn, device, repeats):
    for _ in range(5):
        fn()
    if device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device == 'cuda':
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, nargs='+', default=[8, 64, 512])
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--repeats', type=int, default=200)
    args = parser.parse_args()
    gr = GRLoss(check_finite=False)
    gr.set_epoch(4, 8)
    print(
        f'device={args.device} classes={args.classes} '
        f'threads={torch.get_num_threads()}'
    )
    print('batch  masked (ms)  GRLoss (ms)  speed-up')
    for batch in args.batch:
        logits = torch.randn(
            batch, args.classes, device=args.device, requires_grad=True
        )
        target = torch.zeros(batch, args.classes, device=args.device)
        positive = torch.randint(0, args.classes, (batch,))
        target[torch.arange(batch), positive] = 1

        def step(loss_fn, logits=logits, target=target):
            def run():
                logits.grad = None
                loss_fn(logits, target).backward()

            return run

        base = time_it(
            step(
                lambda s, t: masked_gr_loss(s, t, gr.w, gr.b, gr.mu, gr.sigma)
            ),
            args.device,
            args.repeats,
        )
        ours = time_it(step(gr), args.device, args.repeats)
        print(
            f'{batch:5d}  {1e3 * base:11.3f}  {1e3 * ours:11.3f}  '
            f'{base / ours:7.2f}x'
        )


if __name__ == '__main__':
    main()
