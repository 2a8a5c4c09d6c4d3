# GR with its learnable per-class soft pseudo-label k_c(p) = sigmoid(a_c p +
# d_c) (a = 0, d = -2 at the start) on the embedded MNIST-mosaic demo. The
# map trains on the GR loss with its own SGD (lr 0.1, momentum 0.9, weight
# decay 1e-3), the model with the demo's Adam (the head at the same lr);
# both are saved and resumed with the checkpoint (docs/gr_loss.md).
_base_ = ['./gr_resnet18-half_1xb64_mnist-mosaic.py']
model = dict(head=dict(loss=dict(learnable_k=True)))
optim_wrapper = dict(
    constructor='HeadLrOptimWrapperConstructor',
    paramwise_cfg=dict(
        head='head',
        head_lr_mult=1,
        own_optimizers=[
            dict(
                prefix='head.loss_module.k_map.',
                optimizer=dict(
                    type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-3
                ),
            )
        ],
    ),
)
