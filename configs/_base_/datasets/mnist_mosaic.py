# The embedded demo: 2 x 2 mosaics of MNIST digits (10 classes), built on
# first use. Train and val are the 80/20 split of the train mosaics with one
# positive per image drawn by the SPML protocol; test has full labels.
dataset_type = 'MNISTMosaicDataset'
data_root = 'data/mnist_mosaic'
num_classes = 10

# MNIST's pixel mean and std (0-255), the same for the three channels of the
# grey mosaics. The Runner gives this to a model that sets no
# data_preprocessor of its own (as the model bases do not).
data_preprocessor = dict(
    type='ClsDataPreprocessor',
    mean=[33.3, 33.3, 33.3],
    std=[78.6, 78.6, 78.6],
    to_rgb=True,
)

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
