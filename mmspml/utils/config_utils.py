"""Small helpers for the tools and the runner: where the data is, which
checkpoint to test or resume from, the test pipeline and the class names a
config gives a model."""

import copy
import glob
import os.path as osp
import re
from typing import List, Optional, Sequence

from .cli import ConfigError

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def test_dataset_config(cfg) -> dict:
    """The config of the dataset that ``cfg.test_dataloader`` reads images
    with: its dataset, or the one a wrapper holds (``dataset``; the first
    of ``datasets``), whichever first has a ``pipeline``; the innermost one
    when none has, ``{}`` without a test dataloader.

    Args:
        cfg (Config): The config.

    Returns:
        dict: That dataset's config (not a copy), or ``{}``.
    """
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    while dataset.get('pipeline') is None and (
        dataset.get('dataset') or dataset.get('datasets')
    ):
        dataset = dataset.get('dataset') or dataset['datasets'][0]
    return dataset


def set_data_root(cfg, data_root: str) -> int:
    """Point every dataset of ``cfg``'s dataloaders at ``data_root``.

    Configs keep ``data_root`` inside each dataset (and inside the dataset a
    :class:`SinglePositiveDataset` wraps), so a top-level
    ``--cfg-options data_root=...`` changes nothing; this sets every nested
    ``data_root`` key.

    Args:
        cfg (Config): The config, changed in place.
        data_root (str): The new data root.

    Returns:
        int: How many datasets were changed.

    Raises:
        ValueError: No dataset of the dataloaders has a ``data_root``.
    """

    def visit(node):
        if isinstance(node, dict):
            changed = 0
            if 'type' in node and 'data_root' in node:
                node['data_root'] = data_root
                changed += 1
            return changed + sum(visit(v) for v in node.values())
        if isinstance(node, (list, tuple)):
            return sum(visit(v) for v in node)
        return 0

    changed = sum(
        visit(cfg[name].get('dataset')) for name in LOADERS if cfg.get(name)
    )
    if not changed:
        raise ValueError(
            '--data-root: no dataset in train/val/test_dataloader has a '
            'data_root to set; set the dataset paths with --cfg-options.'
        )
    return changed


def test_on_annotation_file(cfg, ann_file: str) -> None:
    """Make ``cfg``'s test set the val set-up over ``ann_file``: the val
    dataloader (pipeline, wrapper, batch size) and evaluator, reading
    ``ann_file`` and keeping every row (a wrapper's ``split`` becomes None).
    For held-out images labelled like the training file, e.g. converted
    from their CSV by ``labels_csv_to_json.py``.

    Args:
        cfg (Config): The config, changed in place.
        ann_file (str): The annotation file, relative to the dataset's
            ``data_root`` as the config's ``ann_file`` is.

    Raises:
        ConfigError: The config has no val dataloader and evaluator, or its
            val dataset reads no ``ann_file``.
    """
    if not cfg.get('val_dataloader') or not cfg.get('val_evaluator'):
        raise ConfigError(
            f'--ann-file: {cfg.filename} has no val_dataloader and '
            'val_evaluator to test the file with'
        )
    loader = copy.deepcopy(cfg.val_dataloader)
    dataset = loader['dataset']
    if 'split' in dataset or 'dataset' in dataset:
        dataset['split'] = None
    inner = dataset.get('dataset', dataset)
    if 'ann_file' not in inner:
        raise ConfigError(
            f'--ann-file: the val dataset of {cfg.filename} ('
            f'{inner.get("type")}) reads no ann_file; set '
            'test_dataloader in the config instead'
        )
    inner['ann_file'] = ann_file
    cfg.test_dataloader = loader
    cfg.test_evaluator = copy.deepcopy(cfg.val_evaluator)
    cfg.test_cfg = cfg.get('test_cfg') or dict()


def find_checkpoint(path: str) -> str:
    """``path`` itself when it is a file; for a work dir, its best-val
    checkpoint (``best_*.pth``), else its latest complete checkpoint
    (:func:`latest_complete_checkpoint`).

    Args:
        path (str): A checkpoint file or the work dir of a training run.

    Returns:
        str: The checkpoint's path.

    Raises:
        FileNotFoundError: ``path`` does not exist, or the work dir holds
            no checkpoint.
        ValueError: The work dir holds several ``best_*.pth``.
    """
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'checkpoint {path!r} not found: give a .pth file or the work '
            'dir of a training run.'
        )
    best = sorted(glob.glob(osp.join(path, 'best_*.pth')))
    if len(best) == 1:
        return best[0]
    if len(best) > 1:
        raise ValueError(
            f'{path} holds several best checkpoints {best}; '
            'give the file to test.'
        )
    latest = latest_complete_checkpoint(path)
    if latest is None:
        raise FileNotFoundError(
            f'{path} holds no best_*.pth and no other '
            'checkpoint; give the checkpoint file.'
        )
    return latest


def latest_complete_checkpoint(work_dir: str):
    """The checkpoint ``last_checkpoint`` names; when that pointer is
    missing or empty (a kill while it was rewritten) or names a local file
    that is gone, the newest ``epoch_<n>.pth`` / ``iter_<n>.pth`` in
    ``work_dir``; None when there is no checkpoint at all.

    Args:
        work_dir (str): The work dir of a training run.

    Returns:
        str | None: The checkpoint's path (a remote one named by the
        pointer is returned as it is), or None.

    Raises:
        FileNotFoundError: The pointer names a local file that is gone and
            ``work_dir`` holds no checkpoint to fall back on.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip() or None
        if named and ('://' in named or osp.isfile(named)):
            return named  # a remote file is trusted as MMEngine does
    found = []
    for path in glob.glob(osp.join(work_dir, '*_*.pth')):
        match = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', osp.basename(path))
        if match:
            found.append((int(match.group(2)), path))
    if found:
        return max(found)[1]
    if named:
        raise FileNotFoundError(
            f'--resume: {pointer} names {named}, which does not exist, and '
            f'{work_dir} holds no epoch_<n>.pth or iter_<n>.pth; give the '
            'checkpoint with --resume CKPT.'
        )
    return None


def config_test_pipeline(cfg) -> list:
    """The test pipeline of ``cfg``: ``test_dataloader.dataset.pipeline``
    (or that of the dataset a wrapper holds), else ``test_pipeline``.

    Args:
        cfg (Config): The config.

    Returns:
        list: A copy of the pipeline's transform configs.

    Raises:
        ValueError: The config has neither (the config file is named).
    """
    pipeline = test_dataset_config(cfg).get('pipeline')
    if pipeline is not None:
        return copy.deepcopy(list(pipeline))
    if cfg.get('test_pipeline') is not None:
        return copy.deepcopy(list(cfg.test_pipeline))
    raise ValueError(
        f'{cfg.filename}: no test pipeline found; expected '
        'test_dataloader.dataset.pipeline or test_pipeline in the config'
    )


def class_names(
    model,
    cfg,
    checkpoint: Optional[dict] = None,
    classes: Optional[Sequence[str]] = None,
) -> List[str]:
    """The model's class names: ``classes`` if given, else the checkpoint's
    ``meta.dataset_meta.classes``, else the config's test dataset
    ``metainfo.classes``, else the test dataset type's ``METAINFO``, else
    ``'0'``, ``'1'``, ...; checked against ``model.head.num_classes``.

    Args:
        model (nn.Module): The model built from ``cfg``.
        cfg (Config): Its config.
        checkpoint (dict, optional): The loaded checkpoint. Defaults to
            None.
        classes (Sequence[str], optional): Names given by the caller, used
            first. Defaults to None.

    Returns:
        List[str]: One name per class the head predicts.

    Raises:
        ValueError: The first source found is not a list of names or names
            another number of classes than the head predicts.
    """
    num_classes = getattr(getattr(model, 'head', None), 'num_classes', None)
    sources = []
    if classes is not None:
        sources.append(('the classes argument', classes))
    meta = (checkpoint or {}).get('meta') or {}
    sources.append(
        (
            'the checkpoint meta',
            (meta.get('dataset_meta') or {}).get('classes'),
        )
    )
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    sources.append(
        (
            'the config test dataset',
            (dataset.get('metainfo') or {}).get('classes'),
        )
    )
    sources.append(
        (
            'the test dataset type',
            (getattr(model, '_dataset_meta', None) or {}).get('classes'),
        )
    )
    for where, names in sources:
        if names is None:
            continue
        if (
            isinstance(names, str)
            or not isinstance(names, (list, tuple))
            or not all(isinstance(n, (str, int)) for n in names)
        ):
            raise ValueError(
                f'{where}: the class names must be a list of strings, got '
                f'{type(names).__name__} {str(names)[:80]}'
            )
        names = [str(n) for n in names]
        if num_classes is not None and len(names) != num_classes:
            raise ValueError(
                f'{where} names {len(names)} classes but the model head '
                f'predicts {num_classes} (model.head.num_classes)'
            )
        return names
    if num_classes is None:
        raise ValueError(
            'no class names found (checkpoint meta, config) '
            'and the model head has no num_classes; give '
            'classes=[...]'
        )
    return [str(i) for i in range(num_classes)]
