"""Write the observed labels a config trains on as an annotation file.

    python tools/dataset_converters/export_observed_labels.py CONFIG OUT.json

The training set's wrapper (single positives drawn by the protocol, or
simulated partial labels) is built over all its rows (train and val of the
split) and its observed labels are written as ``gt_label`` (observed
positives) and ``neg_label`` (verified negatives), every other class
unknown: a simulated draw becomes a real partial-label file, which
``PartialLabelDataset(known_frac='dataset')`` reads (the same rows, so the
same split) and tools/merge_labels.py adds to.
"""

import argparse
import json

from mmengine.registry import DATASETS, DefaultScope

import mmspml  # noqa: F401
from mmspml.apis.labelling import observed_annotations
from mmspml.utils import stop_with_message, write_atomically
from mmspml.utils.config_names import load_config


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('out')
    args = parser.parse_args()
    cfg = load_config(args.config)
    wrapper = dict(cfg.train_dataloader.dataset, split=None)
    with stop_with_message('export_observed_labels.py'):
        with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmpretrain')
        ):
            dataset = DATASETS.build(wrapper)
        annotations = observed_annotations(dataset)
        write_atomically(args.out, json.dumps(annotations) + '\n')
    rows = annotations['data_list']
    print(
        f'Wrote the observed labels of {len(rows)} images to {args.out}: '
        f'{sum(len(r["gt_label"]) for r in rows)} positives, '
        f'{sum(len(r["neg_label"]) for r in rows)} verified negatives'
    )


if __name__ == '__main__':
    main()
