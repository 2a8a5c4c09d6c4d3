# Online label estimation (ROLE), estimates at 10x the lr on the MNIST-mosaic
# demo (K = 2.27 is the demo's mean number of positives; alpha, beta as VOC,
# warm-up at half the 6 epochs): configs/gr_demo.py with one loss changed.
_base_ = ['./gr_demo.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ROLELoss',
            expected_num_pos=2.27,
            estimator_lr=1e-2)))
