from .benchmarks import (
    LOADERS,
    SPMLCOCO,
    SPMLCUB,
    SPMLNUSWIDE,
    SPMLVOC,
    LabelTable,
    SPMLFormatted,
    load_coco2014,
    load_cub_attributes,
    load_formatted,
    load_nuswide,
    load_voc2012,
)
from .bias_weights import add_coco_instances
from .csv_columns import read_class_list
from .label_bias import BIASES, draw_weighted_positive
from .label_csv import ImageLabels, read_label_csv
from .label_csv_convert import labels_csv_to_annotations
from .labels import NEGATIVE, POSITIVE, SparseLabels
from .mnist_mosaic import MNISTMosaicDataset, make_mnist_mosaics
from .multi_label import SPMLMultiLabelDataset
from .openimages import SPMLOpenImages, load_openimages_labels
from .partial_label import PartialLabelDataset
from .protocol import (
    draw_partial_labels,
    draw_single_positive,
    sample_single_positive,
    split_train_val,
)
from .single_positive import SinglePositiveDataset
from .transforms import (
    DEFAULT_MAX_PIXELS,
    SPMLLoadImageFromFile,
    check_image_bytes,
    image_file_problem,
)

__all__ = [
    'draw_single_positive',
    'sample_single_positive',
    'draw_weighted_positive',
    'BIASES',
    'add_coco_instances',
    'split_train_val',
    'SparseLabels',
    'POSITIVE',
    'NEGATIVE',
    'SinglePositiveDataset',
    'PartialLabelDataset',
    'draw_partial_labels',
    'SPMLMultiLabelDataset',
    'MNISTMosaicDataset',
    'make_mnist_mosaics',
    'SPMLVOC',
    'SPMLCOCO',
    'SPMLCUB',
    'SPMLNUSWIDE',
    'SPMLFormatted',
    'SPMLOpenImages',
    'load_openimages_labels',
    'ImageLabels',
    'read_label_csv',
    'read_class_list',
    'labels_csv_to_annotations',
    'LabelTable',
    'LOADERS',
    'load_voc2012',
    'load_coco2014',
    'load_cub_attributes',
    'load_nuswide',
    'load_formatted',
    'SPMLLoadImageFromFile',
    'check_image_bytes',
    'image_file_problem',
    'DEFAULT_MAX_PIXELS',
]
