"""The two training paths the benchmark times: the plain PyTorch loop and
mmspml's runner, on the same model, batch and optimizer."""

import tempfile
from collections import defaultdict

import torch
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

from mmspml.models.losses import GRLoss

from . import synthetic  # noqa: F401  (registers its dataset)
from .reference_loop import (
    build_plain_model,
    build_plain_optimizer,
    masked_gr_loss,
    one_positive_target,
    optimizer_rows,
)
from .timing import StepTimer, time_hooks, time_loop


def run_plain(args, cfg, recipe, sync):
    """Time the plain loop: the config's model (or torchvision's), Adam in
    two groups, the masked GR loss at epoch 1, on one fixed batch.

    Args:
        args (Namespace): The benchmark's options (``device``,
            ``plain_model``, ``input_size``, ``iters``, ``warmup``).
        cfg (Config): The runner config of :func:`prepare_config`.
        recipe (dict): The shared recipe of :func:`prepare_config`.
        sync (Callable): Waits for the device (:func:`make_sync`).

    Returns:
        tuple: Seconds per step, the loss parameters, the optimizer rows
        (:func:`optimizer_rows`), the optimizer class and the number of
        model parameters.

    Raises:
        ValueError: The config's loss is not GR's, which the plain loop
            implements.
    """
    torch.manual_seed(0)
    torch.backends.cudnn.benchmark = bool(
        cfg.get('env_cfg', {}).get('cudnn_benchmark', False)
    )
    model, rest, head = build_plain_model(cfg, recipe, args.plain_model)
    model.to(args.device).train()
    memory_format = (
        torch.channels_last
        if recipe['channels_last']
        else torch.contiguous_format
    )
    model.to(memory_format=memory_format)
    optimizer = build_plain_optimizer(cfg, recipe, rest, head)
    size, batch = args.input_size, recipe['batch']
    images = torch.randn(batch, 3, size, size, device=args.device)
    images = images.contiguous(memory_format=memory_format)
    target = one_positive_target(batch, recipe['num_classes'], args.device)
    loss_cfg = cfg.model.head.loss
    gr = MODELS.build(loss_cfg) if isinstance(loss_cfg, dict) else None
    if not isinstance(gr, GRLoss):
        raise ValueError(
            f'The plain loop implements the GR loss; the config '
            f'trains {loss_cfg}.'
        )
    gr.set_epoch(1, recipe['max_epochs'])
    params = dict(
        w=gr.w,
        b=gr.b,
        mu=gr.mu,
        sigma=gr.sigma,
        q2=gr.q_pos,
        q3=gr.q_neg,
        eps=gr.pos_eps,
    )

    def step():
        optimizer.zero_grad()
        with torch.autocast(
            args.device, dtype=torch.bfloat16, enabled=recipe['amp'] == 'bf16'
        ):
            logits = model(images)
            loss = masked_gr_loss(logits.float(), target, **params)
        loss.backward()
        optimizer.step()

    seconds = time_loop(step, args.iters, args.warmup, sync)
    rows = optimizer_rows(model, optimizer)
    num_params = sum(p.numel() for p in model.parameters())
    return seconds, params, rows, type(optimizer), num_params


def run_runner(args, cfg, sync):
    """Time one epoch of the config's runner on the synthetic data.

    Args:
        args (Namespace): The benchmark's options (``device``, ``threads``,
            ``iters``, ``warmup``).
        cfg (Config): The runner config of :func:`prepare_config`.
        sync (Callable): Waits for the device (:func:`make_sync`).

    Returns:
        tuple: Seconds per step, the hook seconds per step by hook class,
        the data-fetch seconds per step, and the runner.
    """
    with tempfile.TemporaryDirectory(prefix='mmspml_bench_') as work_dir:
        cfg.work_dir = work_dir
        runner = (
            RUNNERS.build(cfg)
            if 'runner_type' in cfg
            else Runner.from_cfg(cfg)
        )
        if args.device == 'cpu':
            runner.model.to('cpu')  # MMEngine takes a GPU when it sees one
        if args.threads:
            torch.set_num_threads(args.threads)
        timer = StepTimer(args.warmup, args.iters, sync)
        runner.register_hook(timer)
        spent = time_hooks(runner, timer, sync)
        runner.train()
    steps = args.iters - args.warmup
    seconds = (timer.end - timer.start) / steps
    before = sum(
        v for (stage, _), v in spent.items() if stage == 'before_train_iter'
    )
    fetch = (timer.gaps - before) / steps
    per_hook = defaultdict(float)
    for (_, name), value in spent.items():
        per_hook[name] += value / steps
    return seconds, per_hook, fetch, runner
