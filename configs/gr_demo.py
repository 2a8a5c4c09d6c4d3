# GR loss on the embedded MNIST-mosaic demo (single positive per image).
_base_ = [
    '_base_/models/resnet18_half.py', '_base_/datasets/mnist_mosaic.py',
    '_base_/schedules/demo_adam.py', '_base_/default_runtime.py'
]
model = dict(
    head=dict(num_classes={{_base_.num_classes}}, loss=dict(type='GRLoss')))
# Diagnostics of the unannotated entries after each epoch (PNGs and scalars
# under the work dir's diagnostics/; docs/diagnostics.md). Off elsewhere.
custom_hooks = [
    dict(type='PseudoLabelDiagnosticsHook')
]
