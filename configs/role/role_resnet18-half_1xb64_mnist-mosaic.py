# Online label estimation (ROLE), estimates at 10x the lr on the embedded
# MNIST-mosaic demo (half-width ResNet-18, 56 px, batch 64, 6 epochs). K = 2.27
# (the demo's mean positives per image), estimates at 10x the demo's lr (1e-3).
_base_ = [
    '../_base_/models/resnet18_half.py',
    '../_base_/datasets/mnist_mosaic.py',
    '../_base_/schedules/demo_adam.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    head=dict(
        num_classes={{_base_.num_classes}},
        loss=dict(type='ROLELoss', expected_num_pos=2.27, estimator_lr=0.01),
    )
)
