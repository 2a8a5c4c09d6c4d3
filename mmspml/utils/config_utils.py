"""Small helpers for the command-line tools: where the data is, which
checkpoint to test."""
import glob
import os.path as osp

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


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
    checkpoint (``best_*.pth``), else the one ``last_checkpoint`` names."""
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
    last = osp.join(path, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            ckpt = f.read().strip()
        if osp.isfile(ckpt):
            return ckpt
    raise FileNotFoundError(f'{path} holds no best_*.pth and no valid '
                            'last_checkpoint; give the checkpoint file.')
