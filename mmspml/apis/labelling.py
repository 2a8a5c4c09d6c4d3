"""A labelling loop: which unknown image-class pairs a person should verify
next, and merging their answers back into the annotation file as observed
positives and verified negatives."""

import csv
import io
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

# What a person may write in the answer column.
YES = ('1', 'yes', 'y', 'true', 'present')
NO = ('0', 'no', 'n', 'false', 'absent', '-1')
CSV_COLUMNS = ('image', 'class', 'answer', 'score')


def suggest_pairs(
    scores: np.ndarray, observed: np.ndarray, num: int
) -> List[Tuple[int, int, float]]:
    """The ``num`` unknown entries whose verification would help most: the
    most uncertain by the model's score (closest to 0.5), balanced over
    classes (taken in turns from each class's most uncertain entries).

    Args:
        scores (np.ndarray): N x C predicted probabilities.
        observed (np.ndarray): N x C observed labels, 1 / -1 / 0; only the
            0 (unknown) entries are suggested.
        num (int): How many pairs to suggest (fewer when fewer are
            unknown).

    Returns:
        list[tuple[int, int, float]]: ``(row, class, score)``, the most
        uncertain first within each turn.

    Raises:
        ValueError: ``scores`` and ``observed`` differ in shape, or
            ``num < 1``.
    """
    scores, observed = np.asarray(scores), np.asarray(observed)
    if scores.shape != observed.shape:
        raise ValueError(
            f'scores {scores.shape} and observed labels {observed.shape} '
            'differ in shape'
        )
    if num < 1:
        raise ValueError(f'the number of suggestions must be >= 1, got {num}')
    uncertainty = np.abs(scores - 0.5)
    per_class = []
    for c in range(scores.shape[1]):
        rows = np.flatnonzero(observed[:, c] == 0)
        order = np.argsort(uncertainty[rows, c], kind='stable')
        per_class.append(rows[order].tolist())
    chosen, turn = [], 0
    while len(chosen) < num and any(turn < len(r) for r in per_class):
        for c, rows in enumerate(per_class):
            if turn < len(rows) and len(chosen) < num:
                chosen.append((rows[turn], c, float(scores[rows[turn], c])))
        turn += 1
    return chosen


def write_suggestions(
    path: str,
    pairs: Sequence[Tuple[int, int, float]],
    images: Sequence[str],
    classes: Sequence[str],
) -> None:
    """Write suggestions as a CSV a person fills in: ``image,class,answer,
    score`` with the answer empty (1 = present, 0 = absent).

    Args:
        path (str): The CSV to write (atomically).
        pairs (Sequence[tuple]): ``(row, class, score)`` of
            :func:`suggest_pairs`.
        images (Sequence[str]): The image of every row, as the annotation
            file names it.
        classes (Sequence[str]): The class names.
    """
    from mmspml.utils import write_atomically

    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(CSV_COLUMNS)
    for row, cls, score in pairs:
        writer.writerow([images[row], classes[cls], '', f'{score:.4f}'])
    write_atomically(path, out.getvalue())


def read_answers(path: str, classes: Sequence[str]) -> Dict[tuple, int]:
    """The answered rows of a suggestions CSV.

    Args:
        path (str): The CSV (``image``, ``class`` and ``answer`` columns;
            others are ignored).
        classes (Sequence[str]): The class names of the annotation file.

    Returns:
        dict: ``(image, class index) -> 1 or -1``; rows with an empty
        answer are left out.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: A missing column, an empty CSV, an answer that is not
            yes/no, a class not in ``classes``, or the same pair answered
            twice differently; the file and row (line) are named.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'answers file {path!r} not found')
    index = {name: i for i, name in enumerate(classes)}
    answers, lines = {}, {}
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        missing = [
            c
            for c in ('image', 'class', 'answer')
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise ValueError(
                f'{path}: no column {missing}; expected a CSV with the '
                'columns image,class,answer (tools/suggest_labels.py)'
            )
        for line, row in enumerate(reader, start=2):
            where = f'{path}, line {line}'
            answer = (row['answer'] or '').strip().lower()
            if not answer:
                continue
            if answer not in YES + NO:
                raise ValueError(
                    f'{where}: answer {row["answer"]!r} is neither yes '
                    f'({", ".join(YES)}) nor no ({", ".join(NO)})'
                )
            if row['class'] not in index:
                raise ValueError(
                    f'{where}: class {row["class"]!r} is not in the class '
                    f'list of the annotation file ({len(classes)} classes)'
                )
            key = (row['image'], index[row['class']])
            value = 1 if answer in YES else -1
            if answers.get(key, value) != value:
                raise ValueError(
                    f'{where}: {row["image"]!r}, {row["class"]!r} is '
                    f'answered again differently (line {lines[key]}); '
                    'answer each pair once'
                )
            answers[key], lines[key] = value, line
    if not lines:
        raise ValueError(
            f'{path}: no answered row (the answer column is empty everywhere)'
        )
    return answers


def merge_answers(
    annotations: dict, answers: Dict[tuple, int], overwrite: bool = False
) -> dict:
    """Merge answers into an annotation file's content, in place: a yes
    joins the row's ``gt_label``, a no its ``neg_label``.

    Args:
        annotations (dict): The annotation file (``metainfo``,
            ``data_list``).
        answers (dict): ``(img_path, class index) -> 1 or -1``.
        overwrite (bool): Replace an existing observed label that the
            answer contradicts. Defaults to False (an error).

    Returns:
        dict: Counts: ``positives`` and ``negatives`` added, ``same`` (the
        answer was already observed), ``changed`` (contradicted and
        overwritten).

    Raises:
        ValueError: An answered image is not in the file, or an answer
            contradicts an observed label and ``overwrite`` is False.
    """
    rows = {info['img_path']: info for info in annotations['data_list']}
    unknown = sorted({img for img, _ in answers if img not in rows})
    if unknown:
        raise ValueError(
            f'{len(unknown)} answered images are not in the annotation '
            f'file, e.g. {unknown[:10]}'
        )
    conflicts = [
        (img, cls)
        for (img, cls), value in answers.items()
        if cls
        in (
            rows[img]['gt_label']
            if value == -1
            else rows[img].get('neg_label', [])
        )
    ]
    if conflicts and not overwrite:
        raise ValueError(
            f'{len(conflicts)} answers contradict an observed label, e.g. '
            f'{conflicts[:10]}; pass --overwrite to replace them'
        )
    counts = dict(positives=0, negatives=0, same=0, changed=len(conflicts))
    for (img, cls), value in sorted(answers.items()):
        info = rows[img]
        keep, other = (
            ('gt_label', 'neg_label')
            if value == 1
            else ('neg_label', 'gt_label')
        )
        labels = set(info.get(keep, []))
        if cls in labels:
            counts['same'] += 1
            continue
        counts['positives' if value == 1 else 'negatives'] += 1
        info[keep] = sorted(labels | {cls})
        if cls in info.get(other, []):
            info[other] = [c for c in info[other] if c != cls]
    for info in annotations['data_list']:
        info.setdefault('neg_label', [])
    return counts


def annotation_paths(dataset) -> List[str]:
    """The image of every sample of a wrapper, as its annotation file names
    it (relative to the wrapped dataset's image folder).

    Args:
        dataset (SinglePositiveDataset): A single-positive or partial-label
            wrapper.

    Returns:
        list[str]: One path per sample, in the wrapper's order.
    """
    prefix = (getattr(dataset.dataset, 'data_prefix', None) or {}).get(
        'img_path', ''
    )
    paths = []
    for row in dataset.rows:
        path = dataset.dataset.get_data_info(int(row))['img_path']
        paths.append(osp.relpath(path, prefix) if prefix else path)
    return paths


def observed_annotations(dataset) -> dict:
    """The observed labels a wrapper trains on, as an annotation file
    (``gt_label`` the observed positives, ``neg_label`` the verified
    negatives): a simulated draw becomes a real partial-label file that a
    labelling loop can add to.

    Args:
        dataset (SinglePositiveDataset): A single-positive or partial-label
            wrapper.

    Returns:
        dict: ``metainfo`` (the classes) and ``data_list``.
    """
    observed = dataset.observed
    data_list = []
    for idx, path in enumerate(annotation_paths(dataset)):
        start, end = observed.indptr[idx], observed.indptr[idx + 1]
        classes = observed.indices[start:end].tolist()
        states = (
            [1] * len(classes)
            if observed.states is None
            else observed.states[start:end].tolist()
        )
        data_list.append(
            dict(
                img_path=path,
                gt_label=[c for c, s in zip(classes, states) if s == 1],
                neg_label=[c for c, s in zip(classes, states) if s != 1],
            )
        )
    return dict(
        metainfo=dict(classes=list(dataset.metainfo['classes'])),
        data_list=data_list,
    )


def training_set_loader(cfg, batch_size: int = 64) -> dict:
    """The config's training dataloader as a scoring pass reads it: in
    order (no shuffling), every sample once, each image through the test
    pipeline (no random flips).

    Args:
        cfg (Config): The training config; left unchanged.
        batch_size (int): Images per forward. Defaults to 64.

    Returns:
        dict: A dataloader config for ``Runner.build_dataloader``.

    Raises:
        ValueError: The config has no train_dataloader.
    """
    import copy

    from mmspml.utils.config_utils import config_test_pipeline

    if not cfg.get('train_dataloader'):
        raise ValueError(f'{cfg.filename}: the config has no train_dataloader')
    loader = copy.deepcopy(cfg.train_dataloader)
    loader.update(
        batch_size=batch_size,
        sampler=dict(type='DefaultSampler', shuffle=False),
        persistent_workers=False,
        num_workers=0,
    )
    dataset = loader['dataset']
    while dataset.get('dataset') is not None:  # the innermost reads images
        dataset = dataset['dataset']
    dataset['pipeline'] = config_test_pipeline(cfg)
    return loader
