# Online label estimation (ROLE) on the MNIST-mosaic demo: K = 2.27 (the
# demo's mean number of positives per image), estimates at 10x the demo's lr
# (1e-3): configs/gr_demo.py with one loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ROLELoss',
            expected_num_pos=2.27,
            estimator_lr=1e-2)))
