"""Accuracy of log_prob / log_prob_from_log against the mpmath reference (bench.reference)."""
from __future__ import annotations

import numpy as np

from .reference import load_generated, optional_torch, reference, relative_error, torch_log_prob

KS = (2, 3, 10, 100, 1000)
TAUS = (0.01, 0.1, 0.5, 1.0, 5.0)
DTYPES = (np.float64, np.float32)
BOUND = {np.float64: 2e-15, np.float32: 3e-7}


def rows_for(k: int, scale: float = 1.0) -> int:
    return max(1, round(scale * (40 if k <= 10 else (12 if k <= 100 else 4))))


def case(k, tau, dtype, n, seed=0, torch=None):
    """Samples from sample_log, the two results and the references; a dict of figures."""
    g = load_generated()
    rng = np.random.default_rng([seed, k, int(tau * 1000), np.dtype(dtype).itemsize])
    logits = (2 * rng.normal(size=k)).astype(dtype)
    log_y = g.sample_log(logits, tau, size=n, rng=rng)
    assert log_y.dtype == dtype
    y = np.exp(log_y.astype(np.float64)).astype(dtype)
    lp = g.log_prob(y, logits, tau)
    lpl = g.log_prob_from_log(log_y, logits, tau)
    ref_y = reference(y, logits, tau)
    ref_l = reference(log_y, logits, tau, from_log=True)
    fin_y, fin_l = np.isfinite(ref_y), np.isfinite(ref_l)
    err_y = relative_error(lp[fin_y], ref_y[fin_y])
    err_l = relative_error(lpl[fin_l], ref_l[fin_l])
    figures = {}
    if torch is not None:
        lt = torch_log_prob(torch, y, logits, tau).numpy().astype(np.float64)
        ok = fin_y & np.isfinite(lt)
        figures["torch_err"] = float(relative_error(lt[ok], ref_y[ok]).max()) if ok.any() else float("nan")
        figures["torch_nan"] = int(np.isnan(lt).sum())
    return {
        **figures,
        "k": k, "tau": tau, "dtype": np.dtype(dtype).name, "n": n,
        "log_prob_err": float(err_y.max()) if err_y.size else float("nan"),
        "log_prob_rows": int(fin_y.sum()),
        "log_prob_nonfinite_on_support": int((~np.isfinite(lp[fin_y])).sum()),
        "nan": int(np.isnan(lp).sum() + np.isnan(lpl).sum()),
        "from_log_err": float(err_l.max()) if err_l.size else float("nan"),
        "from_log_finite": float(np.isfinite(lpl).mean()),
        "dtypes_ok": lp.dtype == dtype and lpl.dtype == dtype,
    }


def run(ks=KS, taus=TAUS, dtypes=DTYPES, rows=rows_for, printer=print, scale: float = 1.0) -> bool:
    ok = True
    torch = optional_torch()
    extra = f" {'torch err':>10} {'torch NaN':>10}" if torch is not None else ""
    printer(f"{'dtype':8} {'k':>5} {'tau':>5} {'rows':>9} {'log_prob err':>13} {'from_log err':>13} "
            f"{'from_log finite':>15}{extra}")
    worst = {}
    for dtype in dtypes:
        for k in ks:
            for tau in taus:
                r = case(k, tau, dtype, rows(k, scale), torch=torch)
                bound = BOUND[dtype]
                good = (not r["log_prob_err"] > bound and not r["from_log_err"] > bound
                        and r["from_log_finite"] == 1.0 and r["dtypes_ok"] and not r["log_prob_nonfinite_on_support"]
                        and not r["nan"])
                ok &= good
                name = r["dtype"]
                worst[name] = max(worst.get(name, 0.0), np.nan_to_num(r["log_prob_err"]),
                                  np.nan_to_num(r["from_log_err"]))
                if torch is not None:
                    worst["torch " + name] = max(worst.get("torch " + name, 0.0), np.nan_to_num(r["torch_err"]))
                    extra = f" {r['torch_err']:10.2e} {r['torch_nan']:5d}/{r['n']:<4d}"
                printer(f"{name:8} {k:5d} {tau:5g} {r['log_prob_rows']:4d}/{r['n']:<4d} "
                        f"{r['log_prob_err']:13.2e} {r['from_log_err']:13.2e} {100 * r['from_log_finite']:14.1f}%"
                        f"{extra}{'' if good else '  FAIL'}")
    for name, w in worst.items():
        if name.startswith("torch "):
            printer(f"max error {name} (where finite): {w:.2e}")
        else:
            printer(f"max error {name}: {w:.2e} (bound {BOUND[np.dtype(name).type]:.0e})")
    return ok
