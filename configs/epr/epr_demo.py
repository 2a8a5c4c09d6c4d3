# Expected positive regulariser (EPR) on the MNIST-mosaic demo, K = 2.27 (the
# demo's mean number of positives per image): configs/gr_demo.py with one
# loss changed.
_base_ = ['../gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EPRLoss',
            expected_num_pos=2.27)))
