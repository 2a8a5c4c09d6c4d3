"""Tiny copies of the benchmarks' official layouts, written by the tests."""

import json
import os
import os.path as osp

import numpy as np

from mmspml.datasets.benchmarks import VOC_CLASSES


def _image(path, seed):
    from PIL import Image

    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.RandomState(seed)
    Image.fromarray(rng.randint(0, 255, (24, 32, 3), np.uint8)).save(path)


def write_voc(root, split, ids, values, images=False):
    """``values``: len(ids) x 20 matrix of -1/0/1 as in <cls>_<split>.txt."""
    main = osp.join(root, 'VOCdevkit', 'VOC2012', 'ImageSets', 'Main')
    os.makedirs(main, exist_ok=True)
    for c, name in enumerate(VOC_CLASSES):
        with open(osp.join(main, f'{name}_{split}.txt'), 'w') as f:
            for image_id, v in zip(ids, values[:, c]):
                f.write(f'{image_id} {int(v):2d}\n')
    if images:
        for i, image_id in enumerate(ids):
            _image(
                osp.join(
                    root,
                    'VOCdevkit',
                    'VOC2012',
                    'JPEGImages',
                    f'{image_id}.jpg',
                ),
                i,
            )


def random_voc(root, num, seed=0, images=False, splits=('train', 'val')):
    rng = np.random.RandomState(seed)
    tables = {}
    for split in splits:
        ids = [
            f'20{rng.randint(8, 12):02d}_{rng.randint(0, 10**6):06d}'
            for _ in range(num)
        ]
        ids = list(dict.fromkeys(ids))
        values = rng.choice(
            [-1, 0, 1], size=(len(ids), 20), p=[0.8, 0.05, 0.15]
        )
        values[np.arange(len(ids)), rng.randint(0, 20, len(ids))] = 1
        write_voc(root, split, ids, values, images)
        tables[split] = (ids, values)
    return tables


def write_coco(root, split, categories, images, annotations, with_files=False):
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    data = dict(
        categories=[dict(id=i, name=n) for i, n in categories],
        images=[
            dict(id=i, file_name=f'COCO_{split}2014_{i:012d}.jpg')
            for i in images
        ],
        annotations=[
            dict(id=k, image_id=i, category_id=c)
            for k, (i, c) in enumerate(annotations)
        ],
    )
    with open(
        osp.join(root, 'annotations', f'instances_{split}2014.json'), 'w'
    ) as f:
        json.dump(data, f)
    if with_files:
        for k, i in enumerate(images):
            _image(
                osp.join(
                    root, f'{split}2014', f'COCO_{split}2014_{i:012d}.jpg'
                ),
                k,
            )


def random_coco(root, num, num_classes=80, seed=0, images=False):
    rng = np.random.RandomState(seed)
    categories = [
        (int(i), f'cat{i}')
        for i in rng.permutation(np.arange(1, 100))[:num_classes]
    ]
    for split in ('train', 'val'):
        ids = [int(i) for i in rng.choice(10**5, num, replace=False)]
        anns = [
            (i, categories[rng.randint(num_classes)][0])
            for i in ids
            for _ in range(rng.randint(1, 4))
        ]
        write_coco(root, split, categories, ids, anns, images)
    return categories


def write_cub(
    root,
    num_images,
    num_attributes,
    is_train,
    present,
    extra_columns=False,
    images=False,
):
    cub = osp.join(root, 'CUB_200_2011')
    os.makedirs(osp.join(cub, 'attributes'), exist_ok=True)
    with open(osp.join(root, 'attributes.txt'), 'w') as f:
        for a in range(num_attributes):
            f.write(f'{a + 1} has_attr::{a}\n')
    with open(osp.join(cub, 'images.txt'), 'w') as f:
        for i in range(num_images):
            f.write(f'{i + 1} {i % 3:03d}.Bird/img_{i}.jpg\n')
    with open(osp.join(cub, 'train_test_split.txt'), 'w') as f:
        for i in range(num_images):
            f.write(f'{i + 1} {int(is_train[i])}\n')
    with open(
        osp.join(cub, 'attributes', 'image_attribute_labels.txt'), 'w'
    ) as f:
        for i in range(num_images):
            for a in range(num_attributes):
                extra = ' 0' if extra_columns and (i + a) % 7 == 0 else ''
                f.write(
                    f'{i + 1} {a + 1} {int(present[i, a])} 3{extra} 12.5\n'
                )
    if images:
        for i in range(num_images):
            _image(
                osp.join(cub, 'images', f'{i % 3:03d}.Bird', f'img_{i}.jpg'), i
            )


def random_cub(root, num_images, num_attributes=312, seed=0, images=False):
    rng = np.random.RandomState(seed)
    is_train = rng.rand(num_images) < 0.5
    present = (rng.rand(num_images, num_attributes) < 0.1).astype(int)
    present[
        np.arange(num_images), rng.randint(0, num_attributes, num_images)
    ] = 1
    write_cub(
        root, num_images, num_attributes, is_train, present, images=images
    )
    return is_train, present


def write_nuswide(root, concepts, lists, labels, images=False):
    """``lists[split]``: Windows-style relative paths; ``labels[split]``:
    N x len(concepts) 0/1."""
    os.makedirs(osp.join(root, 'ImageList'), exist_ok=True)
    gt = osp.join(root, 'Groundtruth', 'TrainTestLabels')
    os.makedirs(gt, exist_ok=True)
    with open(osp.join(root, 'Concepts81.txt'), 'w') as f:
        f.write('\n'.join(concepts) + '\n')
    for split in lists:
        name = split.capitalize()
        with open(
            osp.join(root, 'ImageList', f'{name}Imagelist.txt'), 'w'
        ) as f:
            f.write('\n'.join(lists[split]) + '\n')
        for c, concept in enumerate(concepts):
            with open(osp.join(gt, f'Labels_{concept}_{name}.txt'), 'w') as f:
                f.write('\n'.join(str(int(v)) for v in labels[split][:, c]))
                f.write('\n')
        if images:
            for k, path in enumerate(lists[split]):
                _image(osp.join(root, 'Flickr', *path.split('\\')), k)


def write_formatted(root, split, images, labels, observed=None):
    os.makedirs(root, exist_ok=True)
    np.save(osp.join(root, f'formatted_{split}_images.npy'), np.array(images))
    np.save(osp.join(root, f'formatted_{split}_labels.npy'), labels)
    if observed is not None:
        np.save(osp.join(root, f'formatted_{split}_labels_obs.npy'), observed)
