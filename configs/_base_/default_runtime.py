# Runtime shared by every mmspml config.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmspml'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keep the last checkpoint (for --resume) and the best one by val mAP
    # (the protocol reports the test mAP of the best val epoch).
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best='spml/mAP',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Under DDP every rank updates its own BatchNorm statistics; average them
    # after each epoch so that validation on every rank and the saved
    # checkpoint use the same model.
    sync_buffers=dict(type='SyncBuffersHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
# Sets the loss's epoch (GR schedules) and runs the linear_init warm-up.
custom_hooks = [dict(type='SPMLLossHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
