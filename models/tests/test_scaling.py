import json
import os

import numpy as np
import pytest

from models.glm import scaling
from models.glm.model import GLM, GLMConfig

SIZES = [2e5, 5e5, 1.2e6, 3e6, 6e6]
TOKENS = [5e5, 1.5e6, 4e6]


def synthetic(e=1.7, a_coef=30.0, a=0.34, b_coef=400.0, b=0.28, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    points = [(n, d) for n in SIZES for d in TOKENS]
    n, d = np.array(points).T
    loss = e + a_coef / n**a + b_coef / d**b + rng.normal(0, noise, len(n))
    return n, d, loss


@pytest.mark.parametrize("hidden,layers", [(128, 2), (384, 6)])
def test_parameter_counts_match_the_model(hidden, layers):
    model = GLM(GLMConfig(vocab_size=8192, hidden_size=hidden, num_layers=layers, num_heads=2, max_sequence_length=256))
    non_embedding, total = scaling.parameter_counts(hidden, layers, 8192, 256)
    assert total == model.num_parameters()
    embeddings = sum(p.numel() for name, p in model.named_parameters() if "embeddings" in name)
    assert non_embedding == total - embeddings


def test_fit_recovers_known_exponents_and_coefficients():
    n, d, loss = synthetic()
    f = scaling.fit(n, d, loss, "floor")
    assert (f.a, f.b) == pytest.approx((0.34, 0.28), abs=1e-9)
    assert (f.E, f.A, f.B) == pytest.approx((1.7, 30.0, 400.0), rel=1e-6)
    assert f.predict(1e8, 1e10) == pytest.approx(1.7 + 30 / 1e8**0.34 + 400 / 1e10**0.28, rel=1e-9)


def test_fit_with_noise_stays_near_the_truth_and_predicts_held_out_points():
    n, d, loss = synthetic(noise=0.01, seed=3)
    f = scaling.fit(n, d, loss, "floor")
    assert abs(f.a - 0.34) < 0.1 and abs(f.b - 0.28) < 0.1
    runs = [
        scaling.Run(f"r{i}", 0, 0, int(x), int(x) * 2, int(y), float(z)) for i, (x, y, z) in enumerate(zip(n, d, loss))
    ]
    errors = scaling.leave_one_out(runs, "floor")
    assert len(errors) == len(runs)
    assert np.mean(np.abs(errors)) < 0.05


def test_no_floor_form_keeps_e_at_zero_and_coefficients_nonnegative():
    n, d, loss = synthetic(e=0.0)
    f = scaling.fit(n, d, loss, "no-floor")
    assert f.E == 0.0 and f.A >= 0 and f.B >= 0
    assert (f.a, f.b) == pytest.approx((0.34, 0.28), abs=1e-9)


def test_nonnegative_least_squares_clamps_a_column_that_would_go_negative():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([1.0, -1.0, 0.0])  # unconstrained: c = (1/3·…, negative); constrained: second column off
    c, _ = scaling.nonnegative_least_squares(x, y)
    assert c[1] == 0.0 and c[0] == pytest.approx(0.5)


def test_lease_prediction_trades_size_against_tokens():
    f = scaling.Fit("floor", 1.7, 30.0, 0.34, 400.0, 0.28)
    rows = scaling.lease_prediction(f, minutes=20, peak_tflops=989, mfu=0.4, seq_len=512)
    first = rows[0]
    assert first["tokens"] == pytest.approx(0.4 * 989e12 / (6 * first["parameters"]) * 1200)
    losses = [r["loss"] for r in rows]
    best = int(np.argmin(losses))
    assert 0 < best < len(rows) - 1  # an interior optimum: smaller sizes lack parameters, larger ones tokens


def test_decode_speed_scales_the_benched_ms_by_bytes_read(root):
    bench = {"model": "glm-infill-default", "decode": {"cachedMsPerToken": 6.0, "tokens": 48}}
    model_dir = os.path.join(root, "models", "default")
    speeds = scaling.decode_speeds(bench, model_dir, [(384, 6), (768, 12)], 512)
    assert speeds["ms_per_token"]["384x6"] == pytest.approx(6.0)
    assert 4 * 6.0 < speeds["ms_per_token"]["768x12"] < 8 * 6.0  # about 6× the parameters, 4× the K/V


def test_read_runs_and_report_from_train_outputs(tmp_path):
    n, d, loss = synthetic(noise=0.005)
    shapes = {2e5: (64, 4), 5e5: (96, 4), 1.2e6: (128, 6), 3e6: (192, 6), 6e6: (256, 8)}
    for i, (x, y, z) in enumerate(zip(n, d, loss)):
        hidden, layers = shapes[x]
        run = tmp_path / f"run{i:02d}"
        run.mkdir()
        done = {
            "tokens": int(y),
            "val_loss": {"mean": float(z)},
            "args": {"hidden": hidden, "layers": layers, "seq_len": 256},
        }
        (run / "train.out").write_text('{"step": 1}\n' + json.dumps({"done": done}) + "\n")
    (tmp_path / "unfinished").mkdir()
    (tmp_path / "unfinished" / "train.out").write_text('{"step": 1}\n')
    runs = scaling.read_runs(str(tmp_path))
    assert len(runs) == len(n)
    assert runs[0].non_embedding == scaling.parameter_counts(64, 4, seq_len=256)[0]
    fits = {"floor": scaling.fit([r.non_embedding for r in runs], [r.tokens for r in runs], [r.loss for r in runs])}
    errors = {"floor": scaling.leave_one_out(runs, "floor")}
    lease = {
        "minutes": 20,
        "peak_tflops": 989,
        "by_mfu": {"0.4": scaling.lease_prediction(fits["floor"], 20, 989, 0.4, 512)},
    }
    text = scaling.report(runs, fits, errors, lease, None)
    assert "| run00 | 64 × 4 |" in text
    assert "20 minutes at 40% MFU of 989 TFLOPS" in text and "←" in text


def test_compute_optimal_follows_twenty_tokens_a_parameter():
    rule = scaling.compute_optimal(minutes=20, peak_tflops=989, mfu=0.4)
    assert rule["compute"] == pytest.approx(0.4 * 989e12 * 1200)
    assert rule["tokens"] == pytest.approx(20 * rule["parameters"])
    assert 6 * rule["parameters"] * rule["tokens"] == pytest.approx(rule["compute"])
