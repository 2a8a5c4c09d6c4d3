"""The labelling loop: suggestions are the most uncertain unknown entries,
balanced over classes; answers are read strictly (the file and line named)
and merged without touching an observed label unless asked."""

import json

import numpy as np
import pytest

from mmspml.apis.labelling import (
    merge_answers,
    read_answers,
    suggest_pairs,
    write_suggestions,
)

CLASSES = ['cat', 'dog', 'car']


def test_suggestions_are_unknown_uncertain_and_balanced():
    scores = np.array([[0.5, 0.9, 0.45], [0.1, 0.52, 0.3], [0.49, 0.2, 0.99]])
    observed = np.array([[0, 0, 0], [0, 0, -1], [1, 0, 0]])
    pairs = suggest_pairs(scores, observed, 4)
    # First turn: each class's most uncertain unknown entry; then the
    # second of class 0.
    assert [(r, c) for r, c, _ in pairs] == [(0, 0), (1, 1), (0, 2), (1, 0)]
    assert all(observed[r, c] == 0 for r, c, _ in pairs)
    assert len(suggest_pairs(scores, observed, 100)) == (observed == 0).sum()


def test_answers_round_trip_and_merge(tmp_path):
    path = tmp_path / 'answers.csv'
    write_suggestions(
        str(path),
        [(0, 1, 0.5), (1, 2, 0.4), (1, 0, 0.6)],
        ['a.jpg', 'b.jpg'],
        CLASSES,
    )
    lines = path.read_text().splitlines()
    assert lines[0] == 'image,class,answer,score'
    assert lines[1] == 'a.jpg,dog,,0.5000'
    path.write_text(
        '\n'.join(
            [lines[0], 'a.jpg,dog,1,0.5', 'b.jpg,car,no,0.4', 'b.jpg,cat,,0.6']
        )
        + '\n'
    )
    answers = read_answers(str(path), CLASSES)
    assert answers == {('a.jpg', 1): 1, ('b.jpg', 2): -1}
    ann = dict(
        metainfo=dict(classes=CLASSES),
        data_list=[
            dict(img_path='a.jpg', gt_label=[0]),
            dict(img_path='b.jpg', gt_label=[], neg_label=[1]),
        ],
    )
    counts = merge_answers(ann, answers)
    assert counts == dict(positives=1, negatives=1, same=0, changed=0)
    assert ann['data_list'] == [
        dict(img_path='a.jpg', gt_label=[0, 1], neg_label=[]),
        dict(img_path='b.jpg', gt_label=[], neg_label=[1, 2]),
    ]


def test_a_contradiction_needs_overwrite():
    ann = dict(
        metainfo=dict(classes=CLASSES),
        data_list=[
            dict(img_path='a.jpg', gt_label=[0], neg_label=[2]),
        ],
    )
    answers = {('a.jpg', 0): -1, ('a.jpg', 2): -1}
    before = json.dumps(ann)
    with pytest.raises(ValueError, match=r'1 answers contradict .*a.jpg'):
        merge_answers(ann, answers)
    assert json.dumps(ann) == before  # nothing changed
    counts = merge_answers(ann, answers, overwrite=True)
    assert counts['changed'] == 1 and counts['same'] == 1
    assert ann['data_list'][0]['gt_label'] == []
    assert ann['data_list'][0]['neg_label'] == [0, 2]
    with pytest.raises(ValueError, match='not in the annotation file.*x.jpg'):
        merge_answers(ann, {('x.jpg', 0): 1})


@pytest.mark.parametrize(
    'rows,match',
    [
        (['a.jpg,dog,maybe'], r'line 2: answer .maybe. is neither yes'),
        (['a.jpg,cow,1'], r"line 2: class 'cow' is not in the class list"),
        (['a.jpg,dog,1', 'a.jpg,dog,0'], r'line 3: .* answered again'),
        (['a.jpg,dog,'], r'no answered row'),
    ],
)
def test_a_bad_answers_file_names_the_line(tmp_path, rows, match):
    path = tmp_path / 'answers.csv'
    path.write_text('\n'.join(['image,class,answer'] + rows) + '\n')
    with pytest.raises(ValueError, match=match) as info:
        read_answers(str(path), CLASSES)
    assert str(path) in str(info.value)
    path.write_text('image,label\n')
    with pytest.raises(ValueError, match=r"no column \['class', 'answer'\]"):
        read_answers(str(path), CLASSES)
