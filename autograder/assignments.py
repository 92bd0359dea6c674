"""Which graded functions each assignment asks for, and in what order.

``course grade`` scores an assignment's questions in this order and gives every row
of an assignment its total as the maximum. Which assignment a submission is comes
from the submission itself (:mod:`autograder.identify`). The curriculum notebooks
register their assignments here.
"""

from __future__ import annotations

__all__ = ["ASSIGNMENTS", "questions_for"]

#: assignment name -> graded function names, in the order of the notebook.
ASSIGNMENTS: dict[str, list[str]] = {
    "01_chain_rule_and_graphs": [
        "problem1_dfdx", "problem2_partials", "xyz_forward_backward", "add_gate_backward",
        "mul_gate_backward", "max_gate_backward", "sigmoid_neuron_backward",
        "softplus_graph_backward", "squared_error_grad", "relu_layer_jacobian",
        "sigmoid_dot_backward", "relu_layer_backward", "dc_dW_tensor", "contract_dc_dW",
        "average_gradients", "sigmoid_prime", "relu_prime", "mse_output_grad",
    ],
    "02_activations_and_outputs": [
        "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
        "relu_forward", "relu_backward", "softplus_forward", "softplus_backward",
        "leaky_relu_forward", "leaky_relu_backward", "elu_forward", "elu_backward",
        "softmax_forward", "softmax_backward",
    ],
    "03_one_layer_at_a_time": [
        "linear_forward", "linear_backward", "linear_activation_forward",
        "linear_activation_backward",
    ],
    "04_deep_networks": [
        "initialize_parameters_deep", "L_model_forward", "compute_cost", "L_model_backward",
        "update_parameters",
    ],
    "05_gradient_checking": [
        "count_parameters", "relative_error", "params_to_vector", "vector_to_params",
        "numerical_gradients", "gradient_check",
    ],
}


def questions_for(assignment):
    """The graded function names of ``assignment``, in order.

    Raises
    ------
    KeyError
        If ``assignment`` is not registered (the message lists those that are).
    """
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment {assignment!r}; registered: "
                       f"{', '.join(ASSIGNMENTS)}")
    return list(ASSIGNMENTS[assignment])
