"""The four SPML benchmarks read from their official layouts, and the
"formatted" npy layout of Cole et al. that every SPML code base uses.

Each ``load_*`` function returns a :class:`LabelTable`: image paths (relative
to the dataset root) in the protocol's row order, the N x C full label matrix,
the class names, and the images it left out with the reason. The dataset
classes turn that table into an mmpretrain data list; the converter in
``tools/dataset_converters/`` writes it as an annotation file. One reader per
file; ``docs/datasets.md`` describes the layouts.
"""

from .coco import SPMLCOCO, load_coco2014
from .cub import SPMLCUB, load_cub_attributes
from .dataset import SPMLBenchmarkDataset
from .formatted import SPMLFormatted, load_formatted
from .label_table import LAYOUTS, LabelTable
from .nuswide import SPMLNUSWIDE, load_nuswide
from .voc import SPMLVOC, VOC_CLASSES, load_voc2012

LOADERS = dict(
    voc=load_voc2012,
    coco=load_coco2014,
    cub=load_cub_attributes,
    nuswide=load_nuswide,
    formatted=load_formatted,
)

__all__ = [
    'LabelTable',
    'LAYOUTS',
    'LOADERS',
    'SPMLBenchmarkDataset',
    'SPMLVOC',
    'SPMLCOCO',
    'SPMLCUB',
    'SPMLNUSWIDE',
    'SPMLFormatted',
    'VOC_CLASSES',
    'load_voc2012',
    'load_coco2014',
    'load_cub_attributes',
    'load_nuswide',
    'load_formatted',
]
