# EM + asymmetric pseudo-labelling (APL) on the embedded MNIST-mosaic demo
# (half-width ResNet-18, 56 px, batch 64, 6 epochs). alpha and beta as for VOC
# (0.2, 0.02), pseudo-labels from epoch 3 (half of the demo's 6 epochs).
_base_ = [
    '../_base_/models/resnet18_half.py',
    '../_base_/datasets/mnist_mosaic.py',
    '../_base_/schedules/demo_adam.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    head=dict(
        num_classes={{_base_.num_classes}},
        loss=dict(type='EMAPLLoss', alpha=0.2, beta=0.02, warmup_epoch=3),
    )
)
