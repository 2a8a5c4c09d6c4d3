"""The benchmark's runner config and the recipe both training paths
share (batch, precision, memory format, optimizer), from a training config
and the benchmark's options."""

from mmspml.utils.config_names import load_config

# Hooks the benchmark drops: the test of the best checkpoint needs a test
# set, and the diagnostics (on in the demo configs) analyse a real
# SinglePositiveDataset; neither is part of a training step.
DROPPED_HOOKS = ('TestBestCheckpointHook', 'PseudoLabelDiagnosticsHook')


def drop_pretrained(cfg):
    """Remove every ``init_cfg`` of type ``Pretrained`` (no downloads; the
    weights do not change the speed).

    Args:
        cfg (dict | list | tuple): A config or part of one, changed in
            place; nested dicts, lists and tuples are visited too.
    """
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
    """The head's lr multiple of the config's optimizer wrapper.

    Args:
        cfg (Config): A training config with an ``optim_wrapper``.

    Returns:
        float: ``head_lr_mult`` of ``HeadLrOptimWrapperConstructor``
        (10 when not set), else the ``lr_mult`` of the ``head`` custom key
        of ``paramwise_cfg``, else 1.
    """
    paramwise = cfg.optim_wrapper.get('paramwise_cfg') or {}
    if cfg.optim_wrapper.get('constructor') == 'HeadLrOptimWrapperConstructor':
        return float(paramwise.get('head_lr_mult', 10.0))
    custom = (paramwise.get('custom_keys') or {}).get('head')
    return float(custom.get('lr_mult', 1.0)) if custom else 1.0


def prepare_config(args):
    """The runner config (benchmark changes, then ``--cfg-options``, then
    the recipe flags) and the recipe both paths train with.

    Args:
        args (Namespace): The options of ``tools/analysis/benchmark_train.py``
            (``config``, ``cfg_options``, ``amp_dtype``, ``channels_last``,
            ``fused_adam``, ``batch``, ``iters``, ``input_size``,
            ``device``).

    Returns:
        tuple: ``(cfg, recipe)``: the runner's config (synthetic data, no
        validation, test or checkpoints) and a dict of ``amp``,
        ``channels_last``, ``fused``, ``batch``, ``num_classes``,
        ``max_epochs`` and ``head_lr_mult``.
    """
    cfg = load_config(args.config)
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
        h
        for h in cfg.get('custom_hooks', [])
        if h.get('type') not in DROPPED_HOOKS
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
            kind == 'AmpOptimWrapper'
            and str(wrapper.get('dtype')) in ('bfloat16', 'torch.bfloat16')
        )
        if kind == 'AmpOptimWrapper' and not bf16:
            raise ValueError(
                'The config trains in float16 with a loss scaler, '
                'which the plain loop does not model; pass '
                '--amp-dtype bf16 or none.'
            )
        amp = 'bf16' if bf16 else 'none'
    if amp == 'none':
        wrapper.type = 'OptimWrapper'
        for key in ('dtype', 'loss_scale'):
            wrapper.pop(key, None)
    elif kind not in ('AutocastOptimWrapper', 'AmpOptimWrapper') or str(
        wrapper.get('dtype')
    ) not in ('bfloat16', 'torch.bfloat16'):
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
        device=args.device,
    )
    recipe = dict(
        amp=amp,
        channels_last=bool(cfg.get('channels_last', False)),
        fused=bool(wrapper.optimizer.get('fused', False)),
        batch=batch,
        num_classes=num_classes,
        max_epochs=max_epochs,
        head_lr_mult=head_lr_mult(cfg),
    )
    return cfg, recipe
