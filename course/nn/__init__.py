"""``course.nn``: the reference backpropagation engine, in plain numpy.

Every graded function of the course is defined here exactly once; the solution
notebooks use these and the autograder compares students' results with them.
This package imports numpy and nothing else: no grading, notebook or command-line
code may be imported from here.

Convention: one column per example
----------------------------------
``X``, ``A[l]``, ``Z[l]`` and their gradients have shape ``(n_l, m)``: row = unit,
column = example. ``W[l]`` has shape ``(n_l, n_{l-1})`` and ``b[l]`` ``(n_l, 1)``;
``dW``, ``db`` and ``dA`` have the shape of what they differentiate::

    Z = W @ A_prev + b            A = g(Z)
    dW = dZ @ A_prev.T / m        db = dZ.sum(axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ            dZ = dA * g'(Z)

.. warning::
   CS231n, scikit-learn and PyTorch put the **batch first** (``X`` of shape
   ``(m, n)`` and ``Z = X @ W.T + b``). Code or formulas copied from there must
   be transposed to fit this package.

The ``1/m`` of the average cost is applied once, in :func:`linear_backward`; the
output seeds (``dAL``) are per example. No function here modifies its inputs, and
float32 inputs give float32 results.

Modules
-------
activations  forward/backward pairs and the ``ACTIVATIONS`` table
layers       linear and linear+activation layers
losses       costs, their gradients and the ``LOSSES`` table
init         parameter initialisation
model        L-layer forward/backward, updates and :class:`NeuralNetwork`
gradcheck    numerical gradients and relative errors
chain_api    the graded functions of assignment 1 (chain rule and graphs, plain data)
gradcheck_api  the graded functions of assignment 5 (plain-data signatures)
deep_api     the training loop and predictions of assignment 4 (``L_layer_model``)
shallow_api  assignment 3's two-layer sigmoid net (loop, predict) and tanh + softmax net
graph        the scalar :class:`Value` graph
"""

from ._validate import ShapeError
from .activations import (
    ACTIVATIONS,
    ELEMENTWISE,
    derivative,
    elu_backward,
    elu_forward,
    identity_backward,
    identity_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid,
    sigmoid_backward,
    sigmoid_forward,
    softmax,
    softmax_backward,
    softmax_forward,
    softplus_backward,
    softplus_forward,
    tanh_backward,
    tanh_forward,
)
from .chain_api import (
    activation_prime,
    average_gradients,
    contract_dc_dW,
    dc_dW_tensor,
    gate_backward,
    micrograd_grads,
    problem1_dfdx,
    problem2_partials,
    relu_layer_backward,
    relu_layer_jacobian,
    sigmoid_dot_backward,
    sigmoid_neuron_backward,
    softplus_graph_backward,
    squared_error_backward,
    xyz_forward_backward,
)
from .deep_api import L_layer_model, predict
from .fast import FusedTrainer
from .gradcheck import (
    GradCheckResult,
    gradient_check,
    model_numerical_gradients,
    numerical_gradient,
    relative_error,
)
from .gradcheck_api import (
    count_parameters,
    numerical_gradients,
    params_to_vector,
    vector_to_params,
)
from .graph import Value
from .init import INITIALIZERS, initialize_parameters, initialize_parameters_deep
from .layers import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from .losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_grad,
    compute_cost,
    compute_cost_multiclass,
    cross_entropy,
    cross_entropy_grad,
    fused_output_grad,
    mse,
    mse_grad,
    multilabel_cross_entropy,
    multilabel_cross_entropy_grad,
    one_hot,
)
from .model import (
    L_model_backward,
    L_model_forward,
    NeuralNetwork,
    check_parameters,
    model_backward,
    model_forward,
    update_parameters,
)
from .shallow_api import (
    init_tanh_softmax,
    init_two_layer,
    predict_tanh_softmax,
    predict_two_layer,
    tanh_softmax_backward,
    tanh_softmax_cost,
    tanh_softmax_forward,
    train_tanh_softmax,
    two_layer_cost,
    two_layer_model,
)

#: The functions of the graded API (DESIGN.md), by name: the contract with the notebooks
#: and the autograder.
GRADED_API = (
    "linear_forward",
    "linear_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "softmax_forward",
    "softmax_backward",
    "linear_activation_forward",
    "linear_activation_backward",
    "initialize_parameters_deep",
    "L_model_forward",
    "compute_cost",
    "L_model_backward",
    "update_parameters",
)

# Spelled out (not built from dir()) so that ``from course.nn import *`` does not bind the
# submodule names ``model``, ``init``, ``graph``... over a notebook's own variables.
__all__ = [
    "ACTIVATIONS",
    "ELEMENTWISE",
    "FusedTrainer",
    "GRADED_API",
    "GradCheckResult",
    "INITIALIZERS",
    "LOSSES",
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "NeuralNetwork",
    "ShapeError",
    "Value",
    "activation_prime",
    "average_gradients",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "check_parameters",
    "compute_cost",
    "compute_cost_multiclass",
    "contract_dc_dW",
    "count_parameters",
    "cross_entropy",
    "cross_entropy_grad",
    "dc_dW_tensor",
    "derivative",
    "elu_backward",
    "elu_forward",
    "fused_output_grad",
    "gate_backward",
    "gradient_check",
    "identity_backward",
    "identity_forward",
    "initialize_parameters",
    "initialize_parameters_deep",
    "init_tanh_softmax",
    "init_two_layer",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "micrograd_grads",
    "model_backward",
    "model_forward",
    "model_numerical_gradients",
    "mse",
    "mse_grad",
    "multilabel_cross_entropy",
    "multilabel_cross_entropy_grad",
    "numerical_gradient",
    "numerical_gradients",
    "one_hot",
    "params_to_vector",
    "predict",
    "predict_tanh_softmax",
    "predict_two_layer",
    "problem1_dfdx",
    "problem2_partials",
    "relative_error",
    "relu_backward",
    "relu_forward",
    "relu_layer_backward",
    "relu_layer_jacobian",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_dot_backward",
    "sigmoid_forward",
    "sigmoid_neuron_backward",
    "softmax",
    "softmax_backward",
    "softmax_forward",
    "softplus_backward",
    "softplus_forward",
    "softplus_graph_backward",
    "squared_error_backward",
    "tanh_backward",
    "tanh_forward",
    "tanh_softmax_backward",
    "tanh_softmax_cost",
    "tanh_softmax_forward",
    "train_tanh_softmax",
    "two_layer_cost",
    "two_layer_model",
    "update_parameters",
    "vector_to_params",
    "xyz_forward_backward",
]
