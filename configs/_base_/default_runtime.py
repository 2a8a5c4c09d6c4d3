# Runtime shared by every mmspml config: MMPretrain's default runtime plus
# the plugin, best-checkpoint saving by val mAP and the hooks that drive the
# SPML losses (docs/loss_contract.md).
_base_ = ['mmpretrain::_base_/default_runtime.py']
custom_imports = dict(imports=['mmspml'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    # Keep the last checkpoint (for --resume) and the best one by val mAP
    # (the protocol reports the test mAP of the best val epoch); old files
    # are removed only after the new one is complete (docs/checkpoints.md).
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best='spml/mAP',
        rule='greater',
    ),
    # Under DDP every rank updates its own BatchNorm statistics; average them
    # after each epoch so that validation on every rank and the saved
    # checkpoint use the same model. (The losses' per-sample state is extra
    # state, not a buffer: it is neither broadcast nor averaged.)
    sync_buffers=dict(type='SyncBuffersHook'),
    # After --resume, validate the resumed epoch again: its checkpoint is
    # written before its validation, which a kill may have cut short.
    resume_validation=dict(type='ResumeValidationHook'),
    # The hooks that drive the SPML losses, one job each, each a no-op for a
    # loss that does not need it (docs/loss_contract.md). They are named
    # default hooks, so a config that sets its own custom_hooks keeps them;
    # set one to None to drop it on purpose (SPMLRunner refuses to train a
    # loss without a hook it needs).
    spml_config_check=dict(type='SPMLConfigCheckHook'),  # mistakes, up front
    spml_loss_epoch=dict(type='LossEpochHook'),  # GR's schedules and others
    spml_sample_state=dict(type='LossSampleStateHook'),  # ROLE, EM+APL, LL-Cp
    spml_train_predictions=dict(type='TrainSetPredictionHook'),  # APL's pass
    spml_linear_init=dict(type='LinearInitHook'),  # GR's frozen warm-up
    spml_non_finite=dict(type='NonFiniteLossHook'),  # stop at NaN, say where
    spml_divergence=dict(type='DivergenceWarningHook'),  # warn on blow-ups
)
# Free for the user's own hooks (EMAHook, ...).
custom_hooks = []
# Before 0.2 the loss hooks were this list in custom_hooks; configs that
# still write `custom_hooks = _base_.spml_loss_hooks + [...]` keep working.
spml_loss_hooks = []

randomness = dict(seed=0, deterministic=False)
# A rank whose peer died fails after 10 minutes instead of waiting forever
# (torchrun ends the other ranks at once; slurm/mpi launches rely on this).
env_cfg = dict(dist_cfg=dict(timeout=600))
# MMEngine's Runner with a short console preamble (the log file keeps all).
runner_type = 'SPMLRunner'
