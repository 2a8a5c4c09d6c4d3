# GR loss on the embedded MNIST-mosaic demo with partial labels: 10% of every
# image's entries known, positives and verified negatives alike (Durand et
# al.'s protocol, PartialLabelDataset); the same rows, split and model as the
# single-positive config. Validation reports mAP and mAP_observed.
_base_ = ['./gr_resnet18-half_1xb64_mnist-mosaic.py']
train_dataloader = dict(
    dataset=dict(type='PartialLabelDataset', known_frac=0.1)
)
val_dataloader = dict(dataset=dict(type='PartialLabelDataset', known_frac=0.1))
val_evaluator = dict(type='SPMLAveragePrecision', mode='both')
test_evaluator = dict(type='SPMLAveragePrecision')
