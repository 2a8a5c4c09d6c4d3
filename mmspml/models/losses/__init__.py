from .assume_negative import AssumeNegativeLoss
from .gr_loss import GRLoss, gr_loss, reweight, soft_pseudo_label
from .spml_utils import (gce_towards_negative, gce_towards_positive,
                         positive_cross_entropy,
                         reduce_entry_loss, spml_entry_loss)

__all__ = [
    'GRLoss', 'AssumeNegativeLoss', 'gr_loss', 'soft_pseudo_label',
    'reweight', 'spml_entry_loss', 'reduce_entry_loss',
    'gce_towards_positive', 'gce_towards_negative', 'positive_cross_entropy'
]
