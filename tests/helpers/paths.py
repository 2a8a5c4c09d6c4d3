"""Where the repository's configs live."""

import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHODS = (
    'full an anls wan epr role em emapl hill splc llr llct llcp gr'
).split()
DATASETS = ('demo', 'voc', 'coco', 'nus', 'cub')
# <backbone>_<gpus>xb<batch>_<dataset> of each dataset's configs.
RECIPES = dict(
    demo='resnet18-half_1xb64_mnist-mosaic',
    voc='resnet50_1xb8_voc2012-448px',
    coco='resnet50_1xb8_coco2014-448px',
    nus='resnet50_1xb8_nuswide-448px',
    cub='resnet50_1xb8_cub-attr-448px',
)


def config_file(method: str, dataset: str) -> str:
    """``configs/<method>/<method>_<recipe of dataset>.py``, e.g.
    ``configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py``."""
    return osp.join(REPO, 'configs', method, f'{method}_{RECIPES[dataset]}.py')


def fast_config_file(dataset: str) -> str:
    """GR's fast recipe on ``dataset``: batch 128 (demo) or 32, bf16."""
    batch = 'b128' if dataset == 'demo' else 'b32'
    name = (
        RECIPES[dataset]
        .replace('b64_', f'{batch}-bf16_')
        .replace('b8_', f'{batch}-bf16_')
    )
    return osp.join(REPO, 'configs', 'gr', f'gr_{name}.py')
