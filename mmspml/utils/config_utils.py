"""Small helpers for the tools and the runner: where the data is, which
checkpoint to test or resume from."""
import glob
import os.path as osp
import re

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def test_dataset_config(cfg) -> dict:
    """The config of the dataset that ``cfg.test_dataloader`` reads images
    with: its dataset, or the one a wrapper holds (``dataset``; the first
    of ``datasets``), whichever first has a ``pipeline``; the innermost one
    when none has, ``{}`` without a test dataloader."""
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    while dataset.get('pipeline') is None and (dataset.get('dataset')
                                               or dataset.get('datasets')):
        dataset = dataset.get('dataset') or dataset['datasets'][0]
    return dataset


def set_data_root(cfg, data_root: str) -> int:
    """Point every dataset of ``cfg``'s dataloaders at ``data_root``.

    Configs keep ``data_root`` inside each dataset (and inside the dataset a
    :class:`SinglePositiveDataset` wraps), so a top-level
    ``--cfg-options data_root=...`` changes nothing; this sets every nested
    ``data_root`` key.

    Returns:
        int: How many datasets were changed; a ``ValueError`` when none
        has a ``data_root``.
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
        visit(cfg[name].get('dataset')) for name in LOADERS
        if cfg.get(name))
    if not changed:
        raise ValueError(
            '--data-root: no dataset in train/val/test_dataloader has a '
            'data_root to set; set the dataset paths with --cfg-options.')
    return changed


def find_checkpoint(path: str) -> str:
    """``path`` itself when it is a file; for a work dir, its best-val
    checkpoint (``best_*.pth``), else its latest complete checkpoint
    (:func:`latest_complete_checkpoint`)."""
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'checkpoint {path!r} not found: give a .pth file or the work '
            'dir of a training run.')
    best = sorted(glob.glob(osp.join(path, 'best_*.pth')))
    if len(best) == 1:
        return best[0]
    if len(best) > 1:
        raise ValueError(f'{path} holds several best checkpoints {best}; '
                         'give the file to test.')
    latest = latest_complete_checkpoint(path)
    if latest is None:
        raise FileNotFoundError(f'{path} holds no best_*.pth and no other '
                                'checkpoint; give the checkpoint file.')
    return latest


def latest_complete_checkpoint(work_dir: str):
    """The checkpoint ``last_checkpoint`` names; when that pointer is
    missing or empty (a kill while it was rewritten) or names a local file
    that is gone, the newest ``epoch_<n>.pth`` / ``iter_<n>.pth`` in
    ``work_dir``; None when there is no checkpoint at all.

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
            'checkpoint with --resume CKPT.')
    return None
