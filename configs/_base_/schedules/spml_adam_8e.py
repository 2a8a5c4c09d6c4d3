# The SPML recipe: Adam, lr 1e-5 with the head at 10x, no weight decay, no
# lr schedule, 8 epochs, validation after each epoch.
optim_wrapper = dict(
    constructor='HeadLrOptimWrapperConstructor',
    paramwise_cfg=dict(head='head', head_lr_mult=10),
    optimizer=dict(type='Adam', lr=1e-5, weight_decay=0),
)
train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=8, enable=False)
