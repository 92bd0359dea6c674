"""``course demo``: the reference engine at work, end to end, in a few seconds.

Steps, in order (each uses only what the ones before produced):

1. load the bundled 8x8 digits and split them;
2. gradient-check backpropagation on small networks, and show that the check
   catches a planted bug (``dW`` without the ``1/m``);
3. train a digits classifier and report train/test accuracy;
4. train a small network on the planar "flower" data;
5. save the figures.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def _gradient_checks(X, labels, seed):
    """Rows of (network, relative error, verdict) for the demo's table."""
    from . import nn

    rng = np.random.default_rng(seed)
    rows = []
    idx = rng.choice(X.shape[1], size=24, replace=False)
    Xs = X[:, idx].astype(np.float64)
    Ys = nn.one_hot(labels[idx], 10)

    p = nn.initialize_parameters([64, 16, 10], "he", seed)
    r = nn.gradient_check(p, Xs, Ys, "relu", "softmax", "cross_entropy")
    rows.append(("64-16-10 relu/softmax, cross-entropy", r.relative_error, r.passed()))

    Yb = (labels[idx] % 2 == 0).astype(np.float64).reshape(1, -1)
    p = nn.initialize_parameters([64, 8, 4, 1], "he", seed + 1)
    AL, caches = nn.L_model_forward(Xs, p)
    grads = nn.L_model_backward(AL, Yb, caches)
    r = nn.gradient_check(p, Xs, Yb, grads=grads)
    rows.append(("64-8-4-1 L_model_backward (even/odd)", r.relative_error, r.passed()))

    m = Xs.shape[1]
    planted = {k: (v * m if k.startswith("dW") else v) for k, v in grads.items()}
    r = nn.gradient_check(p, Xs, Yb, grads=planted)
    rows.append(("planted bug: dW without 1/m", r.relative_error, r.passed()))
    return rows


def run(out="out", epochs=60, seed=0, stream=None, root=None):
    """Run the demo, print its report to ``stream`` (stdout) and write under ``out``.

    Steps, in order: (1) the student release from ``solutions/``, with its leak check,
    and the student kit (the wheel students install instead of the reference); (2)
    ``course grade`` on the bundled sample submissions: the grade table, the feedback
    pages and the class summary; (3) the reference engine at work (gradient checks,
    training, figures).

    Returns 0 on success, 1 if a step fails (a leak, a stale release, a sample graded
    otherwise than expected is not checked here: the tests do that).
    """
    import sys

    stream = stream or sys.stdout

    def say(*parts):
        print(*parts, file=stream, flush=True)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from .samples import ROOT

    root = Path(root) if root is not None else ROOT
    say("course demo: the instructor's pipeline, end to end\n")
    ok = True
    if (root / "solutions").is_dir():
        ok &= _release(root, out, say)
        ok &= _kit(out, say)
        ok &= _grade_samples(root, out, say, stream)
    else:
        say(f"(no solutions/ in {root}: release and grading skipped)\n")
    ok &= _engine(out, epochs, seed, say)
    return 0 if ok else 1


def _release(root, out, say):
    """Step 1: build the release into ``out/assignments`` and compare with the committed one."""
    from .release import ReleaseError, build, check_in_sync

    say("1. release: student notebooks from solutions/ (nbgrader's preprocessors + leak check)")
    t0 = time.perf_counter()
    try:
        written = build(root / "solutions", out / "assignments")
        stale = check_in_sync(root / "solutions", root / "assignments")
    except ReleaseError as err:
        say(f"   FAILED: {err}\n")
        return False
    for path in written:
        say(f"   {path.relative_to(out)}")
    say(f"   {len(written)} notebooks, no leaks, {time.perf_counter() - t0:.1f} s; the committed "
        f"assignments/ is {'STALE: ' + '; '.join(stale) if stale else 'up to date'}\n")
    return not stale


def _kit(out, say):
    """Step 1b: the student kit, ``backprop-coursekit`` (no reference inside)."""
    from .kit import KitError, build

    t0 = time.perf_counter()
    try:
        whl = build(out / "kit")
    except KitError as err:
        say(f"   FAILED: the student kit: {err}\n")
        return False
    say(f"   student kit {out / 'kit' / whl.name} "
        f"({whl.stat().st_size / 1024:.0f} KiB, {time.perf_counter() - t0:.1f} s, no "
        f"reference inside): students run `pip install {whl.name}`\n")
    return True


def _grade_samples(root, out, say, stream):
    """Step 2: ``course grade`` on ``samples/submitted`` (nbgrader's layout)."""
    from autograder.sandbox import SandboxError, choose_backend

    from .cli import build_parser

    samples = root / "samples" / "submitted"
    say(f"2. grade: the sample submissions in {samples.relative_to(root)}/ with course grade")
    argv = ["grade", str(samples), "--out", str(out / "grades"), "--jobs", "2"]
    try:
        say(f"   isolation: {choose_backend('auto')} (the first backend that works here; "
            "`course doctor` says why the others do not)")
    except SandboxError as err:
        # Our own samples only: a course's submissions are never graded this way.
        say(f"   WARNING: no sandbox works on this machine ({err}); grading the bundled "
            "samples WITHOUT isolation")
        argv += ["--isolation", "none"]
    args = build_parser().parse_args(argv)
    status = args.func(args, stream=stream)
    say("   (dave's first file is broken on purpose: it gets a row and a reason)\n")
    return status in (0, 1)  # 1: some submission could not be graded, as expected


def _engine(out, epochs, seed, say):
    """Step 3: the reference engine on the digits and the flower; the figures."""
    from . import data, nn, plots

    say("3. the reference engine course.nn on the 8x8 handwritten digits\n")

    X, labels = data.digits()
    Xtr, Xte, ytr, yte = data.train_test_split(X, labels, test_size=0.2, seed=seed)
    say(f"data      {Xtr.shape[1]} training and {Xte.shape[1]} test images, "
        f"{X.shape[0]} pixels each, {len(np.unique(labels))} classes")

    say("\ngradient check (centered differences, float64, relative error)")
    ok = True
    rows = _gradient_checks(X, labels, seed)
    for name, err, passed in rows:
        expected = not name.startswith("planted")
        verdict = ("ok" if passed else "FAILED") if expected else (
            "caught" if not passed else "MISSED")
        ok &= passed == expected
        say(f"  {name:<40} {err:9.2e}   {verdict}")

    dims = [64, 64, 32, 10]
    net = nn.NeuralNetwork(dims, "relu", "softmax", seed=seed)
    t0 = time.perf_counter()
    net.fit(Xtr, ytr, learning_rate=0.1, epochs=epochs, batch_size=64)
    secs = time.perf_counter() - t0
    say(f"\ntraining  {'-'.join(map(str, dims))} relu/softmax, mini-batches of 64, "
        f"learning rate 0.1, {epochs} epochs: {secs:.2f} s")
    say(f"          cost {net.history[0]:.3f} -> {net.history[-1]:.4f}   "
        f"train accuracy {net.accuracy(Xtr, ytr):.1%}   test accuracy {net.accuracy(Xte, yte):.1%}")

    Xf, Yf = data.flower(seed=seed)
    flower = nn.NeuralNetwork([2, 16, 1], "tanh", "sigmoid", init="xavier", seed=seed)
    flower.fit(Xf, Yf, learning_rate=1.0, epochs=3000)
    say(f"flower    2-16-1 tanh/sigmoid, 3000 full-batch steps: "
        f"accuracy {flower.accuracy(Xf, Yf):.1%}")

    arch = f"{'-'.join(map(str, dims))} relu/softmax"
    wrong = np.flatnonzero(net.predict(Xte) != yte)
    shown = np.concatenate([wrong, np.flatnonzero(net.predict(Xte) == yte)])[:40]
    figures = {
        "cost.png": plots.plot_cost(net.history, label=f"digits, {arch}", log=True,
                                    title="Training cost (cross-entropy, mean per epoch)").figure,
        "gradient_norms.png": plots.plot_gradient_norms(
            net.grad_norms, title=f"digits, {arch}: ||dW[l]|| at the last step of each epoch"
        ).figure,
        "activations.png": plots.plot_activations(),
        "graph.png": plots.draw_graph(
            _sigmoid_neuron(),
            title="sigmoid neuron f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) after backward()",
        ).figure,
        "flower_boundary.png": plots.plot_decision_boundary(
            flower.predict, Xf, Yf,
            title=f"flower, 2-16-1 tanh/sigmoid: accuracy {flower.accuracy(Xf, Yf):.1%}",
        ).figure,
        "digits_test.png": plots.plot_digits(
            Xte[:, shown], yte[shown], net.predict(Xte[:, shown]),
            title=f"test digits: the {len(wrong)} misclassified first (red: label: prediction)",
        ),
        "ce_vs_mse.png": plots.plot_ce_vs_mse().figure,
    }
    for name, fig in figures.items():
        plots.save(fig, out / name)
    say(f"\nplots     {', '.join(figures)} saved in {out}/")
    return ok


def _sigmoid_neuron():
    """The notes' sigmoid neuron ``1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))`` after backward."""
    from .nn import Value

    w0, x0 = Value(2.0, "w0"), Value(-1.0, "x0")
    w1, x1 = Value(-3.0, "w1"), Value(-2.0, "x1")
    w2 = Value(-3.0, "w2")
    f = (w0 * x0 + w1 * x1 + w2).sigmoid()
    f.label = "f"
    f.backward()
    return f
