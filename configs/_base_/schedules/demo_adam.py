# Adam without weight decay or lr schedule, as the SPML recipe, sized for
# the demo on 2 CPU cores.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
train_cfg = dict(by_epoch=True, max_epochs=6, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64, enable=False)
