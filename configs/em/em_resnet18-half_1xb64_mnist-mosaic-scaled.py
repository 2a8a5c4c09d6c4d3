# Entropy maximisation (EM, Zhou et al. ECCV 2022), alpha 0.2, on the MNIST-
# mosaic demo with digits at random scales and places (half-width ResNet-18,
# 56 px, batch 64, 6 epochs). The label-bias runs (docs/label_bias.md) pick
# the bias with --cfg-options train_dataloader.dataset.bias=size
# val_dataloader.dataset.bias=size.
_base_ = [
    '../_base_/models/resnet18_half.py',
    '../_base_/datasets/mnist_mosaic_scaled.py',
    '../_base_/schedules/demo_adam.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    head=dict(
        num_classes={{_base_.num_classes}},
        loss=dict(type='EntropyMaximizationLoss', alpha=0.2),
    )
)
