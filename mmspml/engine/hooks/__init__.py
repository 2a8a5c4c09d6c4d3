from mmspml.evaluation.diagnostics import pseudo_label_diagnostics

from .base import SPMLLossHookBase
from .checkpoint_hook import AtomicCheckpointHook
from .config_check_hook import SPMLConfigCheckHook
from .diagnostics_hook import PseudoLabelDiagnosticsHook
from .divergence_hook import DivergenceWarningHook
from .early_stopping_hook import MetricDropEarlyStoppingHook
from .linear_init_hook import LinearInitHook
from .loss_epoch_hook import LossEpochHook
from .loss_state_hook import LossSampleStateHook
from .non_finite_loss_hook import NonFiniteLossHook
from .optuna_pruning_hook import OptunaPruningHook
from .resume_validation_hook import ResumeValidationHook
from .sync_buffers_hook import SPMLSyncBuffersHook
from .test_best_checkpoint_hook import TestBestCheckpointHook
from .train_prediction_hook import TrainSetPredictionHook

__all__ = [
    'AtomicCheckpointHook',
    'SPMLLossHookBase',
    'LossEpochHook',
    'LossSampleStateHook',
    'TrainSetPredictionHook',
    'LinearInitHook',
    'SPMLConfigCheckHook',
    'MetricDropEarlyStoppingHook',
    'TestBestCheckpointHook',
    'ResumeValidationHook',
    'NonFiniteLossHook',
    'SPMLSyncBuffersHook',
    'PseudoLabelDiagnosticsHook',
    'pseudo_label_diagnostics',
    'DivergenceWarningHook',
    'OptunaPruningHook',
]
