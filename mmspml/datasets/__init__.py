from .base import SPMLMultiLabelDataset
from .mnist_mosaic import MNISTMosaicDataset, make_mnist_mosaics
from .protocol import sample_single_positive, split_train_val
from .single_positive import SinglePositiveDataset

__all__ = [
    'sample_single_positive', 'split_train_val', 'SinglePositiveDataset',
    'SPMLMultiLabelDataset', 'MNISTMosaicDataset', 'make_mnist_mosaics'
]
