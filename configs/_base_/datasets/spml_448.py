# Shared by the four benchmarks: 448 x 448 (no aspect keep), horizontal flip
# for training, ImageNet normalisation, batch size 8. A dataset file sets the
# three `dataset` fields.

# The Runner gives this to the model unless the model sets its own (as the
# RegNet config does for its BGR checkpoint).
data_preprocessor = dict(
    type='ClsDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)
train_pipeline = [
    dict(type='SPMLLoadImageFromFile'),  # names bad files; max 100 MP
    dict(type='Resize', scale=(448, 448)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='SPMLLoadImageFromFile'),  # names bad files; max 100 MP
    dict(type='Resize', scale=(448, 448)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='SPMLAveragePrecision')
test_evaluator = val_evaluator
