"""mmspml.deploy.input_size without onnx: the image size to export is read
from the test pipeline inside dataset wrappers, and a pipeline whose size
varies is refused with the option that fixes it."""

import pytest
from mmengine.config import Config

from mmspml.deploy import input_size_from_config


def test_input_size_is_the_last_fixed_resize_inside_wrappers():

    def config(*transforms, dataset_type='CocoDataset'):
        pipeline = [
            dict(type='LoadImageFromFile'),
            *transforms,
            dict(type='PackInputs'),
        ]
        inner = dict(type=dataset_type, pipeline=pipeline)
        # A single-positive wrapper around a concatenation, as deep as the
        # configs nest them.
        return Config(
            dict(
                test_dataloader=dict(
                    dataset=dict(
                        type='SinglePositiveDataset',
                        dataset=dict(type='ConcatDataset', datasets=[inner]),
                    )
                )
            )
        )

    assert input_size_from_config(
        config(
            dict(type='Resize', scale=(320, 240)),  # mmcv's (w, h)
            dict(type='CenterCrop', crop_size=224),
        )
    ) == (224, 224)
    assert input_size_from_config(
        config(
            dict(type='CenterCrop', crop_size=224),
            dict(type='Pad', size=(256, 128)),
        )
    ) == (128, 256)
    assert input_size_from_config(
        config(dataset_type='MNISTMosaicDataset')
    ) == (56, 56)
    for varying in (
        dict(type='Resize', scale=(320, 240), keep_ratio=True),
        dict(type='RandomResizedCrop', scale=224),
    ):
        with pytest.raises(ValueError, match='varying size.*--input-size'):
            input_size_from_config(config(varying))
    with pytest.raises(ValueError, match='does not resize'):
        input_size_from_config(config())
    with pytest.raises(ValueError, match='no test pipeline'):
        input_size_from_config(Config(dict()))
