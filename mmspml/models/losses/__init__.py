from .assume_negative import (AssumeNegativeLoss, AssumeNegativeLSLoss,
                              FullLabelBCELoss, WeakAssumeNegativeLoss)
from .base import SPMLLoss
from .gr_loss import GRLoss, gr_loss, reweight, soft_pseudo_label
from .robust import EntropyMaximizationLoss, HillLoss, SPLCLoss
from .spml_utils import (binary_entropy, gce_towards_negative,
                         gce_towards_positive, negative_cross_entropy,
                         positive_cross_entropy, reduce_entry_loss,
                         soft_target_cross_entropy, spml_entry_loss)
from .stateful import (EMAPLLoss, EPRLoss, LargeLossLoss, LLCpLoss, LLCtLoss,
                       LLRLoss, ROLELoss, StatefulSPMLLoss)

__all__ = [
    'SPMLLoss', 'StatefulSPMLLoss', 'GRLoss', 'AssumeNegativeLoss',
    'FullLabelBCELoss', 'AssumeNegativeLSLoss', 'WeakAssumeNegativeLoss',
    'EPRLoss', 'ROLELoss', 'EntropyMaximizationLoss', 'EMAPLLoss', 'HillLoss',
    'SPLCLoss', 'LargeLossLoss', 'LLRLoss', 'LLCtLoss', 'LLCpLoss',
    'gr_loss', 'soft_pseudo_label', 'reweight', 'spml_entry_loss',
    'reduce_entry_loss', 'gce_towards_positive', 'gce_towards_negative',
    'positive_cross_entropy', 'negative_cross_entropy',
    'soft_target_cross_entropy', 'binary_entropy'
]
