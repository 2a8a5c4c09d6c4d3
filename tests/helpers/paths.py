"""Where the repository's configs live."""
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHODS = ('full an anls wan epr role em emapl hill splc llr llct llcp '
           'gr').split()
DATASETS = ('demo', 'voc', 'coco', 'nus', 'cub')


def config_file(method: str, dataset: str) -> str:
    """``configs/gr_<dataset>.py`` for GR (the documented entry points),
    ``configs/<method>/<method>_<dataset>.py`` for the baselines."""
    if method == 'gr':
        return osp.join(REPO, 'configs', f'gr_{dataset}.py')
    return osp.join(REPO, 'configs', method, f'{method}_{dataset}.py')
