from .assume_negative import (
    AssumeNegativeLoss,
    AssumeNegativeLSLoss,
    FullLabelBCELoss,
    WeakAssumeNegativeLoss,
)
from .base import SPMLLoss
from .entropy_maximization import EMAPLLoss, EntropyMaximizationLoss
from .gr_loss import GRLoss, gr_loss, reweight, soft_pseudo_label
from .large_loss import LargeLossLoss, LLCpLoss, LLCtLoss, LLRLoss
from .robust import HillLoss, SPLCLoss
from .role import EPRLoss, ROLELoss, expected_positive_regularizer
from .sample_state import SampleStateMixin
from .spml_utils import (
    binary_entropy,
    gce_towards_negative,
    gce_towards_positive,
    negative_cross_entropy,
    positive_cross_entropy,
    reduce_entry_loss,
    soft_target_cross_entropy,
    spml_entry_loss,
)

__all__ = [
    'SPMLLoss',
    'SampleStateMixin',
    'GRLoss',
    'AssumeNegativeLoss',
    'FullLabelBCELoss',
    'AssumeNegativeLSLoss',
    'WeakAssumeNegativeLoss',
    'EPRLoss',
    'ROLELoss',
    'EntropyMaximizationLoss',
    'EMAPLLoss',
    'HillLoss',
    'SPLCLoss',
    'LargeLossLoss',
    'LLRLoss',
    'LLCtLoss',
    'LLCpLoss',
    'gr_loss',
    'soft_pseudo_label',
    'reweight',
    'spml_entry_loss',
    'reduce_entry_loss',
    'gce_towards_positive',
    'gce_towards_negative',
    'positive_cross_entropy',
    'negative_cross_entropy',
    'soft_target_cross_entropy',
    'binary_entropy',
    'expected_positive_regularizer',
]
