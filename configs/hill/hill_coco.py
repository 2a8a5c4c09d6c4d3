# Hill loss on MS-COCO 2014: configs/gr_coco.py with one loss changed.
_base_ = ['../gr_coco.py']
model = dict(head=dict(loss=dict(_delete_=True, type='HillLoss', lamb=1.5)))
