# Your own photos with partial labels: the annotation file that
# tools/dataset_converters/labels_csv_to_json.py writes from an
# image,label,confidence CSV (gt_label: observed positives, neg_label:
# verified negatives, every other pair unknown; metainfo.classes: the class
# list). Nothing here needs full labels: train and val are the 80/20 split
# of that file, and val is scored on its observed entries only.
# docs/own_data.md walks through it.
data_root = 'data/my_photos'
ann_file = 'labels.json'

# ImageNet's mean and std (0-255): photos, and the statistics every
# ImageNet-pretrained backbone expects. The Runner gives this to a model that
# sets no data_preprocessor of its own (as the model bases do not).
data_preprocessor = dict(
    type='ClsDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)
img_size = 224
train_pipeline = [
    dict(type='SPMLLoadImageFromFile'),  # names bad files; max 100 MP
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='SPMLLoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs'),
]
source = dict(
    type='SPMLMultiLabelDataset', data_root=data_root, ann_file=ann_file
)
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PartialLabelDataset',
        known_frac='dataset',
        dataset=dict(source, pipeline=train_pipeline),
        split='train',
    ),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PartialLabelDataset',
        known_frac='dataset',
        dataset=dict(source, pipeline=test_pipeline),
        split='val',
    ),
)
# mAP over the observed entries, with its chance level and 95% interval.
val_evaluator = dict(type='SPMLAveragePrecision', mode='observed')
# No test set: training does not need one. With held-out labelled photos,
# convert their CSV too and add a test_dataloader (as val_dataloader, over
# that file with split=None) and test_evaluator = val_evaluator.
