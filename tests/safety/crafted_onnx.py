"""A graph that carries GlovEgo's ONNX metadata but computes constants: the contract's outputs, or
hostile ones (the ONNX checks of infer / eval and the traceback sweep)."""

from __future__ import annotations

from pathlib import Path

from safety_kit import TOY_CATEGORIES

K = 4


def crafted_onnx(path: Path, **changes) -> Path:
    """A graph carrying GlovEgo metadata whose outputs are constants: the contract's shapes, or `changes`."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from glovego_data import __version__
    from glovego_model.export.metadata import OnnxModelInfo

    hand = len(TOY_CATEGORIES) - 1
    values = {"scores": np.full((1, K), 0.9, np.float32), "labels": np.array([[hand, 0, 1, 2]], np.int64),
              "query_index": np.arange(K, dtype=np.int64)[None], "boxes": np.tile(np.float32([4, 4, 20, 20]), (1, K, 1)),
              "side_prob": np.full((1, K), 0.8, np.float32), "contact_prob": np.full((1, K), 0.2, np.float32),
              "glove_prob": np.full((1, K), 0.3, np.float32), "offsets": np.zeros((1, K, 2), np.float32),
              "keypoints": np.full((1, K, 21, 3), 10.0, np.float32)}
    values.update(changes)
    nodes = [helper.make_node("Constant", [], [name], value=numpy_helper.from_array(v, name)) for name, v in values.items()]
    outputs = [helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(v.dtype), list(v.shape))
               for name, v in values.items()]
    pixels = helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, [1, 3, 64, 64])
    model = helper.make_model(helper.make_graph(nodes, "crafted", [pixels], outputs),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    info = OnnxModelInfo(categories=list(TOY_CATEGORIES), image_size=(64, 64), max_detections=K, min_score=0.05,
                         outputs=list(values), batch=1, fp16=False, opset=17, arch="rt_detr_v2",
                         glovego_version=__version__, ehoi={})
    helper.set_model_props(model, info.to_props())
    onnx.save(model, path)
    return path
