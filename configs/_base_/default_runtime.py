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
        rule='greater'),
    # Under DDP every rank updates its own BatchNorm statistics; average them
    # after each epoch so that validation on every rank and the saved
    # checkpoint use the same model (the losses' per-sample state is already
    # identical and is left alone).
    sync_buffers=dict(type='SPMLSyncBuffersHook'),
    # After --resume, validate the resumed epoch again: its checkpoint is
    # written before its validation, which a kill may have cut short.
    resume_validation=dict(type='ResumeValidationHook'),
)
# One job each; every one does nothing for a loss that does not need it.
spml_loss_hooks = [
    dict(type='SPMLConfigCheckHook'),  # catch config mistakes up front
    dict(type='LossEpochHook'),  # the epoch of GR's schedules and others
    dict(type='LossSampleStateHook'),  # ROLE / EM + APL / LL-Cp state
    dict(type='TrainSetPredictionHook'),  # APL's pass over the train set
    dict(type='LinearInitHook'),  # GR's linear_init: freeze the backbone
    dict(type='NonFiniteLossHook'),  # stop at a NaN / inf loss, say where
    dict(type='DivergenceWarningHook'),  # warn when loss / weights explode
]
custom_hooks = spml_loss_hooks

randomness = dict(seed=0, deterministic=False)
# A rank whose peer died fails after 10 minutes instead of waiting forever
# (torchrun ends the other ranks at once; slurm/mpi launches rely on this).
env_cfg = dict(dist_cfg=dict(timeout=600))
# MMEngine's Runner with a short console preamble (the log file keeps all).
runner_type = 'SPMLRunner'
