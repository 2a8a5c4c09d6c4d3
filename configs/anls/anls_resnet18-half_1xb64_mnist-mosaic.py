# Assume negative with label smoothing 0.1 (AN-LS) on the embedded MNIST-mosaic
# demo (half-width ResNet-18, 56 px, batch 64, 6 epochs).
_base_ = [
    '../_base_/models/resnet18_half.py',
    '../_base_/datasets/mnist_mosaic.py',
    '../_base_/schedules/demo_adam.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    head=dict(
        num_classes={{_base_.num_classes}},
        loss=dict(type='AssumeNegativeLSLoss', smoothing=0.1),
    )
)
