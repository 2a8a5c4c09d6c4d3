# The embedded demo: 2 x 2 mosaics of MNIST digits (10 classes), built on
# first use. Train and val are the 80/20 split of the train mosaics with one
# positive per image drawn by the SPML protocol; test has full labels.
dataset_type = 'MNISTMosaicDataset'
data_root = 'data/mnist_mosaic'
num_classes = 10

pipeline = [
    dict(type='SPMLLoadImageFromFile'),  # names bad files; max 100 MP
    dict(type='PackInputs'),
]
source_train = dict(
    type=dataset_type, data_root=data_root, split='train', pipeline=pipeline
)

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='SinglePositiveDataset', dataset=source_train, split='train'
    ),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SinglePositiveDataset', dataset=source_train, split='val'
    ),
)
test_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=pipeline,
        test_mode=True,
    ),
)

val_evaluator = dict(type='SPMLAveragePrecision')
test_evaluator = val_evaluator
