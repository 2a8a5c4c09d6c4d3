# Expected positive regulariser (EPR) on MS-COCO 2014: configs/gr_coco.py with
# one loss changed.
_base_ = ['../gr_coco.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EPRLoss',
            expected_num_pos=2.9)))
