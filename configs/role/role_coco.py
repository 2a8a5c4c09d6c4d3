# Online label estimation (ROLE), estimates at 10x the lr on MS-COCO 2014:
# configs/gr_coco.py with one loss changed.
_base_ = ['../gr_coco.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ROLELoss',
            expected_num_pos=2.9,
            estimator_lr=1e-4)))
