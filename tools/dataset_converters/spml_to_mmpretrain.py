"""Convert an SPML benchmark from its official layout to mmpretrain
annotation files (MultiLabelDataset json) and report what was kept.

    python tools/dataset_converters/spml_to_mmpretrain.py voc data/voc
    python tools/dataset_converters/spml_to_mmpretrain.py coco data/coco
    python tools/dataset_converters/spml_to_mmpretrain.py cub data/cub
    python tools/dataset_converters/spml_to_mmpretrain.py nuswide data/nuswide

Writes <out-dir>/spml_<split>.json for each official split (image paths
relative to the dataset root, rows in the protocol's order), prints the
counts, the images dropped and why, and the 80/20 train/val sizes.
"""

import argparse
import json
import os
import os.path as osp

import numpy as np

from mmspml.datasets import LOADERS, split_train_val

SPLITS = dict(
    voc=('train', 'val'),
    coco=('train', 'val'),
    cub=('train', 'test'),
    nuswide=('train', 'test'),
    formatted=('train', 'val'),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dataset', choices=sorted(LOADERS))
    parser.add_argument('root', help='dataset root in its official layout')
    parser.add_argument(
        '--out-dir', help='where to write the json files (default: root)'
    )
    args = parser.parse_args()
    out_dir = args.out_dir or args.root
    os.makedirs(out_dir, exist_ok=True)
    for split in SPLITS[args.dataset]:
        table = LOADERS[args.dataset](args.root, split)
        print(f'{args.dataset} {split}: {table.summary()}')
        for reason, paths in table.dropped.items():
            print(f'  dropped ({reason}), first: {paths[:3]}')
        if split == 'train':
            train_idx, val_idx = split_train_val(len(table.img_paths))
            print(
                f'  80/20 split: {len(train_idx)} train / {len(val_idx)} val'
            )
        data_list = [
            dict(img_path=path, gt_label=np.flatnonzero(row).tolist())
            for path, row in zip(table.img_paths, table.labels)
        ]
        out = osp.join(out_dir, f'spml_{split}.json')
        with open(out, 'w') as f:
            json.dump(
                dict(
                    metainfo=dict(classes=table.classes), data_list=data_list
                ),
                f,
            )
        print(f'  wrote {out}')


if __name__ == '__main__':
    main()
