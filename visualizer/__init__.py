"""Convolution visualizer: the NumPy engine (conv, activations, pooling, trace, filters, images, network,
layers, gradients and learning, and models read from ONNX files).

The engine never imports Streamlit or Plotly; ``visualizer.figures`` (Plotly) and ``visualizer.ui``
(Streamlit) are layers on top of it.
"""

from .activations import ACTIVATION_LABELS, ACTIVATION_NAMES, RELU_VS_STEP, activate
from .conv import conv2d, output_shape
from .filters import (
    PRESET_NAMES,
    convert_bank,
    expand_kernel,
    preset_description,
    preset_kernel,
    preset_sizes,
    random_filters,
    reduce_kernel,
)
from .grad import conv2d_grad, conv_transpose2d
from .images import (
    EXAMPLES,
    ImageError,
    example_names,
    founding_image,
    image_from_array,
    load_example,
    load_image,
    resize_image,
    to_channels,
)
from .layers import KINDS
from .learn import (
    SHAPES_CLASSES,
    Dataset,
    Model,
    accuracy,
    confusion_matrix,
    digits_specs,
    load_dataset,
    load_model,
    load_trained,
    make_shapes,
    new_model,
    save_model,
    train,
)
from .network import (
    LayerSpec,
    StackError,
    build_layers,
    dense_equivalent,
    founding_specs,
    plan_shapes,
    run_stack,
)
from .onnx_model import ModelError, OnnxNetwork, read_onnx, run_onnx
from .pooling import pool2d
from .receptive import field_arithmetic, field_box, receptive_cone, receptive_field, transposed_field
from .trace import ConvTrace, trace_convolution

__all__ = [
    "ACTIVATION_LABELS",
    "ACTIVATION_NAMES",
    "EXAMPLES",
    "PRESET_NAMES",
    "RELU_VS_STEP",
    "KINDS",
    "SHAPES_CLASSES",
    "ConvTrace",
    "Dataset",
    "Model",
    "accuracy",
    "confusion_matrix",
    "conv2d_grad",
    "conv_transpose2d",
    "digits_specs",
    "load_dataset",
    "load_model",
    "load_trained",
    "make_shapes",
    "new_model",
    "save_model",
    "train",
    "ImageError",
    "LayerSpec",
    "ModelError",
    "OnnxNetwork",
    "StackError",
    "activate",
    "build_layers",
    "conv2d",
    "convert_bank",
    "dense_equivalent",
    "example_names",
    "expand_kernel",
    "founding_image",
    "founding_specs",
    "image_from_array",
    "load_example",
    "load_image",
    "output_shape",
    "plan_shapes",
    "pool2d",
    "field_arithmetic",
    "field_box",
    "receptive_cone",
    "receptive_field",
    "transposed_field",
    "preset_description",
    "read_onnx",
    "run_onnx",
    "preset_kernel",
    "preset_sizes",
    "random_filters",
    "reduce_kernel",
    "resize_image",
    "run_stack",
    "to_channels",
    "trace_convolution",
]
