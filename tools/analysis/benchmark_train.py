"""Training images/s of one recipe driven two ways in one process: a plain
PyTorch loop written like the GR reference code (yan4xi1/GRLoss), and
mmspml's MMEngine runner (SPMLRunner) built from a GR config.

    python tools/analysis/benchmark_train.py [--config configs/gr_coco.py]
        [--device cuda] [--batch 8] [--input-size 448] [--amp-dtype bf16]
        [--channels-last] [--fused-adam] [--iters 60] [--warmup 10]
        [--threads N] [--plain-model torchvision]
        [--also CONFIG ...] [--cfg-options key=value ...]
    # a CPU smoke run:
    python tools/analysis/benchmark_train.py --device cpu --input-size 64 \
        --batch 4 --iters 6 --warmup 2

Both paths train the same model, input size, batch and optimizer on
synthetic data that already sits on the device (no disk, no decoding);
the weights are initialised at random (the config's ``Pretrained`` init
is dropped: the values do not change the speed):

- plain loop: the model is the config's own (``model.backbone``, ``neck``
  and ``head.fc`` of the classifier built from the config, so the
  architecture is mmpretrain's torchvision-style ResNet; ``--plain-model
  torchvision`` takes ``torchvision.models.resnet50`` instead, for a
  ResNet-50 config), one fixed normalised float batch, Adam with two
  parameter groups (the head at the config's multiple of the lr), the GR
  loss written the direct way (probabilities, boolean masks) with the
  config loss's parameters at epoch 1, and ``zero_grad`` / ``backward`` /
  ``step``. fp32 unless ``--amp-dtype bf16`` (``torch.autocast``).
- runner: ``RUNNERS.build(cfg)`` as tools/train.py, one epoch of
  ``--iters`` + 1 batches from an in-memory dataset of uint8 images on
  the device (each sample packed as ``SinglePositiveDataset`` and
  ``PackInputs`` pack it, one observed positive), no validation, test or
  checkpoints, a temporary work dir, console records of warnings only and
  the logger hook's interval 10**9 (``--cfg-options
  default_hooks.logger.interval=20`` restores the recipe's). The extra
  last batch is not timed: MMEngine logs at the end of an epoch whatever
  the interval. (GR's schedule thus sees a one-epoch run; its parameters
  do not change the speed.)

``--amp-dtype``, ``--channels-last``, ``--fused-adam`` and ``--batch`` set
both paths; left out, they follow the config (so ``--config
configs/gr_coco_fast.py`` measures the fast recipe both ways).
``--also CONFIG ...`` adds one runner row per config, each with its own
recipe (batch, precision, memory format, optimizer: the flags above do not
apply to them), timed in the same process against the same plain loop: e.g.
``--also configs/gr_coco_fast.py`` compares the fast recipe with the
reference-style loop at the paper's batch.
``--cfg-options`` is merged into the runner config after the benchmark's
own changes; the plain loop reads the model, lr and optimizer from the
result, and the script checks that both paths train the same parameters
with the same optimizer settings.

Each path is timed over the iterations after ``--warmup`` (CUDA is
synchronised at both ends). Printed: a header, a table (img/s and ratio to
the plain loop) and the runner step's shares:

- loss: GRLoss forward + backward alone on (batch, classes) logits, timed
  in a loop, over the runner's time per step (and the masked loss over the
  plain loop's step);
- hooks: host time inside hook calls during the measured iterations
  (``runner.call_hook`` wrapped; the device is synchronised once before
  each hook stage so that waiting for queued GPU work, which MMEngine's
  ``RuntimeInfoHook`` does when it reads the loss, is not counted), the
  iteration timer itself excluded;
- data: fetching the synthetic batch in the main process (sampler,
  ``__getitem__``, collate).
"""
import argparse
import contextlib
import platform
import sys
import tempfile
import time
from collections import defaultdict

import mmspml  # noqa: F401  (registers mmspml's modules and shims)
import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmpretrain.registry import DATASETS, MODELS
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

from mmspml.models.losses import GRLoss
from mmspml.utils import unwrap_model

# Hooks that need a validation or test set, which the benchmark drops.
EVAL_ONLY_HOOKS = ('TestBestCheckpointHook', )


def masked_gr_loss(logits, target, w, b, mu, sigma, q2=0.01, q3=1.0,
                   eps=1e-7):
    """The GR loss written the direct way (the reference code's, and
    ``masked_gr_loss`` of tools/benchmark_loss.py): p = sigmoid(s), boolean
    masks, mean over all entries."""
    p = torch.sigmoid(logits)
    pd = p.detach()
    k = torch.sigmoid(w * pd + b)
    v = torch.exp(-(pd - mu)**2 / (2 * sigma**2))
    loss = torch.zeros_like(p)
    pos, neg = target == 1, target == 0
    loss[pos] = -torch.log(p[pos] + eps)
    loss[neg] = v[neg] * (k[neg] * (1 - p[neg]**q2) / q2 +
                          (1 - k[neg]) * (1 - (1 - p[neg])**q3) / q3)
    return loss.mean()


@DATASETS.register_module()
class SyntheticSinglePositive(Dataset):
    """``num_samples`` random uint8 images (C, H, W) kept on ``device``,
    each with one observed positive, packed as ``SinglePositiveDataset``
    and ``PackInputs`` pack a training sample (``gt_label``,
    ``full_gt_label``, ``sample_idx``). ``pool`` distinct images are
    reused."""

    def __init__(self, num_samples: int, size: int, num_classes: int,
                 device: str = 'cpu', pool: int = 16, seed: int = 0):
        gen = torch.Generator().manual_seed(seed)
        self.images = torch.randint(
            0, 256, (min(pool, num_samples), 3, size, size),
            dtype=torch.uint8, generator=gen).to(device)
        self.positives = torch.randint(
            0, num_classes, (num_samples, ), generator=gen).tolist()
        self.size = size
        self.metainfo = dict(classes=[f'c{i}' for i in range(num_classes)])

    def __len__(self) -> int:
        return len(self.positives)

    def __getitem__(self, idx: int) -> dict:
        shape = (self.size, self.size)
        sample = DataSample(metainfo=dict(
            sample_idx=idx, img_shape=shape, ori_shape=shape))
        sample.set_gt_label(self.positives[idx])
        sample.set_field(torch.tensor([self.positives[idx]]),
                         'full_gt_label', dtype=torch.Tensor)
        return dict(inputs=self.images[idx % len(self.images)],
                    data_samples=sample)


class PlainNet(nn.Module):
    """backbone -> neck -> fc of an mmpretrain classifier: what the
    classifier computes in training, called the way a plain loop calls a
    torchvision model."""

    def __init__(self, classifier):
        super().__init__()
        self.backbone = classifier.backbone
        self.neck = classifier.neck
        self.fc = classifier.head.fc

    def forward(self, x):
        return self.fc(self.neck(self.backbone(x))[-1])


class StepTimer(Hook):
    """Times the iterations after ``warmup`` (from the end of one
    ``after_train_iter`` to the end of the last one) and the gaps between
    iterations (data fetch plus ``before_train_iter`` hooks)."""
    priority = 'LOWEST'

    def __init__(self, warmup: int, total: int, sync):
        self.warmup, self.total, self.sync = warmup, total, sync
        self.measuring = False
        self.start = self.end = self.last = None
        self.gaps = 0.

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.measuring:
            self.gaps += time.perf_counter() - self.last

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if batch_idx + 1 == self.warmup:
            self.sync()
            self.start = self.last = time.perf_counter()
            self.measuring = True
        elif self.measuring:
            if batch_idx + 1 == self.total:
                self.sync()
                self.end = time.perf_counter()
                self.measuring = False
            self.last = time.perf_counter()


def time_hooks(runner, timer, sync):
    """Replace ``runner.call_hook``: while ``timer`` measures, each hook
    call's host time is added to the returned dict under (stage, hook)."""
    spent = defaultdict(float)
    call_hook = runner.call_hook

    def timed_call_hook(fn_name, **kwargs):
        if not timer.measuring:
            return call_hook(fn_name, **kwargs)
        sync()
        for hook in runner.hooks:
            if hook is timer:
                getattr(hook, fn_name)(runner, **kwargs)
            elif hasattr(hook, fn_name):
                start = time.perf_counter()
                getattr(hook, fn_name)(runner, **kwargs)
                spent[fn_name, type(hook).__name__] += \
                    time.perf_counter() - start

    runner.call_hook = timed_call_hook
    return spent


def make_sync(device):
    if device == 'cuda':
        return torch.cuda.synchronize
    return lambda: None


def time_loop(step, iters, warmup, sync):
    """Seconds per call of ``step`` over ``iters - warmup`` calls."""
    for _ in range(warmup):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(iters - warmup):
        step()
    sync()
    return (time.perf_counter() - start) / (iters - warmup)


def device_name(device):
    if device == 'cuda':
        return torch.cuda.get_device_name()
    name = platform.processor() or 'CPU'
    with contextlib.suppress(OSError):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    name = line.split(':', 1)[1].strip()
                    break
    threads = torch.get_num_threads()
    return f"{name}, {threads} thread{'s' if threads > 1 else ''}"


def drop_pretrained(cfg):
    """Remove every ``init_cfg`` of type ``Pretrained`` (no downloads; the
    weights do not change the speed)."""
    if isinstance(cfg, dict):
        init = cfg.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            cfg.pop('init_cfg')
        for value in cfg.values():
            drop_pretrained(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            drop_pretrained(value)


def head_lr_mult(cfg):
    """The head's lr multiple of the config's optimizer wrapper."""
    paramwise = cfg.optim_wrapper.get('paramwise_cfg') or {}
    if cfg.optim_wrapper.get(
            'constructor') == 'HeadLrOptimWrapperConstructor':
        return float(paramwise.get('head_lr_mult', 10.0))
    custom = (paramwise.get('custom_keys') or {}).get('head')
    return float(custom.get('lr_mult', 1.0)) if custom else 1.0


def prepare_config(args):
    """The runner config (benchmark changes, then --cfg-options, then the
    recipe flags) and the recipe both paths train with."""
    cfg = Config.fromfile(args.config)
    max_epochs = cfg.train_cfg.get('max_epochs', 1)
    drop_pretrained(cfg.model)
    cfg.load_from, cfg.resume = None, False
    cfg.log_level = 'WARNING'
    for stage in ('val', 'test'):
        for key in ('cfg', 'dataloader', 'evaluator'):
            cfg[f'{stage}_{key}'] = None
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1)
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = None
    if cfg.default_hooks.get('logger'):
        cfg.default_hooks.logger.interval = 10**9
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', [])
        if h.get('type') not in EVAL_ONLY_HOOKS
    ]
    loader = cfg.train_dataloader
    loader.update(num_workers=0, persistent_workers=False, pin_memory=False)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)

    wrapper = cfg.optim_wrapper
    kind = wrapper.get('type', 'OptimWrapper')
    amp = args.amp_dtype
    if amp is None:
        bf16 = kind == 'AutocastOptimWrapper' or (
            kind == 'AmpOptimWrapper' and
            str(wrapper.get('dtype')) in ('bfloat16', 'torch.bfloat16'))
        if kind == 'AmpOptimWrapper' and not bf16:
            sys.exit('The config trains in float16 with a loss scaler, '
                     'which the plain loop does not model; pass '
                     '--amp-dtype bf16 or none.')
        amp = 'bf16' if bf16 else 'none'
    if amp == 'none':
        wrapper.type = 'OptimWrapper'
        for key in ('dtype', 'loss_scale'):
            wrapper.pop(key, None)
    elif kind not in ('AutocastOptimWrapper', 'AmpOptimWrapper') or \
            str(wrapper.get('dtype')) not in ('bfloat16', 'torch.bfloat16'):
        wrapper.pop('loss_scale', None)
        wrapper.update(type='AutocastOptimWrapper', dtype='bfloat16')
    if args.channels_last is not None:
        cfg.channels_last = args.channels_last
    if args.fused_adam is not None:
        wrapper.optimizer.fused = args.fused_adam
    if args.batch is not None:
        loader.batch_size = args.batch
    batch = loader.batch_size
    num_classes = cfg.model.head.num_classes
    loader.dataset = dict(
        type='SyntheticSinglePositive',
        num_samples=(args.iters + 1) * batch,
        size=args.input_size,
        num_classes=num_classes,
        device=args.device)
    recipe = dict(
        amp=amp,
        channels_last=bool(cfg.get('channels_last', False)),
        fused=bool(wrapper.optimizer.get('fused', False)),
        batch=batch,
        num_classes=num_classes,
        max_epochs=max_epochs,
        head_lr_mult=head_lr_mult(cfg))
    return cfg, recipe


def build_plain_model(cfg, recipe, which):
    """The plain loop's model and its (backbone, head) parameter split."""
    if which == 'torchvision':
        import torchvision
        backbone = cfg.model.backbone
        if backbone.get('type') != 'ResNet' or backbone.get('depth') != 50:
            sys.exit('--plain-model torchvision needs a ResNet-50 config, '
                     f"got backbone {backbone.get('type')}"
                     f"-{backbone.get('depth')}")
        model = torchvision.models.resnet50(
            num_classes=recipe['num_classes'])
        head = model.fc
    else:
        classifier = MODELS.build(cfg.model)
        classifier.init_weights()
        model = PlainNet(classifier)
        head = model.fc
    head_ids = {id(p) for p in head.parameters()}
    rest = [p for p in model.parameters() if id(p) not in head_ids]
    return model, rest, list(head.parameters())


def build_plain_optimizer(cfg, recipe, rest, head):
    """Adam (the config's optimizer) with two groups, the head's lr the
    config's multiple of the base lr."""
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    opt_type = getattr(torch.optim, opt_cfg.pop('type'))
    lr = opt_cfg['lr']
    return opt_type([
        dict(params=rest),
        dict(params=head, lr=lr * recipe['head_lr_mult'])
    ], **opt_cfg)


def optimizer_rows(model, optimizer):
    """Per parameter in model order: its shape and the optimizer's settings
    for it (the keys of ``optimizer.defaults``)."""
    groups = {}
    for group in optimizer.param_groups:
        settings = tuple((k, group[k]) for k in sorted(optimizer.defaults))
        for param in group['params']:
            groups[id(param)] = settings
    return [(tuple(p.shape), groups.get(id(p)))
            for p in model.parameters()]


def check_same_training(plain_rows, plain_opt_type, runner,
                        channels_last):
    """Raise when the two paths do not train the same parameters with the
    same optimizer settings and weight layout."""
    model = unwrap_model(runner.model)
    weight = next(p for p in model.parameters() if p.dim() == 4)
    if weight.is_contiguous(
            memory_format=torch.channels_last) != channels_last:
        raise RuntimeError(f'the runner\'s weights are not in the layout '
                           f'of the plain loop (channels_last='
                           f'{channels_last})')
    optimizer = runner.optim_wrapper.optimizer
    rows = optimizer_rows(model, optimizer)
    if type(optimizer) is not plain_opt_type:
        raise RuntimeError(f'optimizers differ: plain loop '
                           f'{plain_opt_type.__name__}, runner '
                           f'{type(optimizer).__name__}')
    if len(rows) != len(plain_rows):
        raise RuntimeError(f'the plain loop trains {len(plain_rows)} '
                           f'parameters, the runner {len(rows)}')
    for i, (mine, theirs) in enumerate(zip(plain_rows, rows)):
        if mine != theirs:
            raise RuntimeError(f'parameter {i} differs: plain loop {mine}, '
                               f'runner {theirs}')
    return len(optimizer.param_groups)


def one_positive_target(batch, num_classes, device):
    target = torch.zeros(batch, num_classes, device=device)
    target[torch.arange(batch), torch.randint(0, num_classes,
                                              (batch, ))] = 1
    return target


def run_plain(args, cfg, recipe, sync):
    """Seconds per step of the plain loop, the loss parameters and what
    the consistency check needs."""
    torch.manual_seed(0)
    torch.backends.cudnn.benchmark = bool(
        cfg.get('env_cfg', {}).get('cudnn_benchmark', False))
    model, rest, head = build_plain_model(cfg, recipe, args.plain_model)
    model.to(args.device).train()
    memory_format = torch.channels_last if recipe['channels_last'] \
        else torch.contiguous_format
    model.to(memory_format=memory_format)
    optimizer = build_plain_optimizer(cfg, recipe, rest, head)
    size, batch = args.input_size, recipe['batch']
    images = torch.randn(batch, 3, size, size, device=args.device)
    images = images.contiguous(memory_format=memory_format)
    target = one_positive_target(batch, recipe['num_classes'], args.device)
    loss_cfg = cfg.model.head.loss
    gr = MODELS.build(loss_cfg) if isinstance(loss_cfg, dict) else None
    if not isinstance(gr, GRLoss):
        sys.exit(f'The plain loop implements the GR loss; the config '
                 f'trains {loss_cfg}.')
    gr.set_epoch(1, recipe['max_epochs'])
    params = dict(w=gr.w, b=gr.b, mu=gr.mu, sigma=gr.sigma, q2=gr.q_pos,
                  q3=gr.q_neg, eps=gr.pos_eps)

    def step():
        optimizer.zero_grad()
        with torch.autocast(args.device, dtype=torch.bfloat16,
                            enabled=recipe['amp'] == 'bf16'):
            logits = model(images)
            loss = masked_gr_loss(logits.float(), target, **params)
        loss.backward()
        optimizer.step()

    seconds = time_loop(step, args.iters, args.warmup, sync)
    rows = optimizer_rows(model, optimizer)
    num_params = sum(p.numel() for p in model.parameters())
    return seconds, params, rows, type(optimizer), num_params


def run_runner(args, cfg, sync):
    """The runner's seconds per step, the hook and data-fetch seconds per
    step, and the runner."""
    with tempfile.TemporaryDirectory(prefix='mmspml_bench_') as work_dir:
        cfg.work_dir = work_dir
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
            Runner.from_cfg(cfg)
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
    before = sum(v for (stage, _), v in spent.items()
                 if stage == 'before_train_iter')
    fetch = (timer.gaps - before) / steps
    per_hook = defaultdict(float)
    for (_, name), value in spent.items():
        per_hook[name] += value / steps
    return seconds, per_hook, fetch, runner


def time_losses(runner, params, batch, num_classes, device, reps, sync):
    """Seconds of one forward + backward of the runner's loss module (as
    the head calls it) and of the masked loss, on (batch, classes)
    logits."""
    loss_module = unwrap_model(runner.model).head.loss_module
    torch.manual_seed(0)
    logits = torch.randn(batch, num_classes, device=device,
                         requires_grad=True)
    target = one_positive_target(batch, num_classes, device)

    def ours():
        logits.grad = None
        loss_module(logits, target, avg_factor=batch).backward()

    def masked():
        logits.grad = None
        masked_gr_loss(logits, target, **params).backward()

    warmup = min(10, reps)
    return (time_loop(ours, reps + warmup, warmup, sync),
            time_loop(masked, reps + warmup, warmup, sync))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/gr_coco.py')
    parser.add_argument(
        '--device', choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--batch', type=int,
                        help="default: the config's (8 for gr_coco)")
    parser.add_argument('--input-size', type=int, default=448)
    parser.add_argument('--amp-dtype', choices=['none', 'bf16'],
                        help="default: the config's optimizer wrapper")
    parser.add_argument('--channels-last',
                        action=argparse.BooleanOptionalAction,
                        help="default: the config's channels_last")
    parser.add_argument('--fused-adam', action=argparse.BooleanOptionalAction,
                        help="default: the config's optimizer.fused")
    parser.add_argument('--iters', type=int, default=60,
                        help='iterations per path, warm-up included')
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--threads', type=int,
                        help='torch.set_num_threads (CPU)')
    parser.add_argument('--plain-model', choices=['config', 'torchvision'],
                        default='config')
    parser.add_argument('--loss-reps', type=int, default=200)
    parser.add_argument(
        '--also', nargs='+', default=[], metavar='CONFIG',
        help='more configs to run through the runner with their own recipe, '
        'compared with the same plain loop')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the runner config (the plain loop '
        'follows the model, optimizer and batch)')
    args = parser.parse_args()
    if args.iters <= args.warmup or args.warmup < 1:
        parser.error('need 1 <= --warmup < --iters')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device is available')
    return args


def main():
    args = parse_args()
    # The current logger until the runner makes its own: no init records.
    MMLogger.get_instance('benchmark_train', log_level='WARNING')
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg, recipe = prepare_config(args)
    sync = make_sync(args.device)
    batch, num_classes = recipe['batch'], recipe['num_classes']

    plain_s, params, plain_rows, plain_opt_type, num_params = run_plain(
        args, cfg, recipe, sync)
    if args.device == 'cuda':
        torch.cuda.empty_cache()
    runner_s, per_hook, fetch_s, runner = run_runner(args, cfg, sync)
    groups = check_same_training(plain_rows, plain_opt_type, runner,
                                 recipe['channels_last'])
    loss_s, masked_s = time_losses(runner, params, batch, num_classes,
                                   args.device, args.loss_reps, sync)
    extra = {}
    for config in args.also:
        other_args = argparse.Namespace(
            **dict(vars(args), config=config, batch=None, amp_dtype=None,
                   channels_last=None, fused_adam=None, cfg_options=None))
        other_cfg, other = prepare_config(other_args)
        if args.device == 'cuda':
            torch.cuda.empty_cache()
        extra[config] = (run_runner(other_args, other_cfg, sync)[0], other)

    backbone = cfg.model.backbone
    arch = f"{backbone.get('type')}-{backbone.get('depth', '')}".rstrip('-')
    source = 'torchvision' if args.plain_model == 'torchvision' else \
        'mmpretrain'
    opt = cfg.optim_wrapper.optimizer
    print(f'device: {device_name(args.device)} | torch {torch.__version__}')
    print(f'model: {arch}, {num_classes} classes, {num_params / 1e6:.2f}M '
          f'parameters ({source} modules in the plain loop)')
    print(f"recipe: {args.input_size} px, batch {batch}, "
          f"{'bf16 autocast' if recipe['amp'] == 'bf16' else 'fp32'}, "
          f"{'channels_last' if recipe['channels_last'] else 'NCHW'}, "
          f"{opt.type}{' fused' if recipe['fused'] else ''} lr {opt.lr:g} "
          f"(head x{recipe['head_lr_mult']:g}); "
          f'{args.iters - args.warmup} steps timed after {args.warmup}')
    options = ' '.join(f'{k}={v}' for k, v in (args.cfg_options or {}).items())
    print(f"runner: {args.config}, {cfg.get('runner_type', 'Runner')}, "
          f"{cfg.optim_wrapper.get('type', 'OptimWrapper')}, {groups} param "
          f"groups{'; --cfg-options ' + options if options else ''}")
    print()
    print('| path | img/s | vs plain loop |')
    print('|---|---:|---:|')
    print(f'| plain PyTorch loop | {batch / plain_s:.1f} | 1.00x |')
    print(f'| mmspml runner | {batch / runner_s:.1f} | '
          f'{plain_s / runner_s:.2f}x |')
    plain_ips = batch / plain_s
    for config, (other_s, other) in extra.items():
        ips = other['batch'] / other_s
        print(f"| mmspml runner, {config} (batch {other['batch']}, "
              f"{'bf16' if other['amp'] == 'bf16' else 'fp32'}, "
              f"{'channels_last' if other['channels_last'] else 'NCHW'}"
              f"{', fused Adam' if other['fused'] else ''}) | {ips:.1f} | "
              f'{ips / plain_ips:.2f}x |')
    print()
    print(f'runner step {1e3 * runner_s:.2f} ms, plain step '
          f'{1e3 * plain_s:.2f} ms')
    print(f'loss: GRLoss forward+backward ({batch}x{num_classes}) '
          f'{1e3 * loss_s:.3f} ms = {100 * loss_s / runner_s:.1f}% of a '
          f'runner step; masked loss {1e3 * masked_s:.3f} ms = '
          f'{100 * masked_s / plain_s:.1f}% of a plain step')
    hooks_s = sum(per_hook.values())
    top = sorted(per_hook.items(), key=lambda kv: -kv[1])[:4]
    print(f'hooks: {1e3 * hooks_s:.3f} ms per step = '
          f'{100 * hooks_s / runner_s:.1f}% of the runner\'s time (' +
          ', '.join(f'{name} {100 * value / runner_s:.1f}%'
                    for name, value in top) + ')')
    print(f'data: {1e3 * fetch_s:.3f} ms per step = '
          f'{100 * fetch_s / runner_s:.1f}% (synthetic batch fetched and '
          'collated in the main process)')


if __name__ == '__main__':
    main()
