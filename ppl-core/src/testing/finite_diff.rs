//! Central finite differences with an error estimate derived from the step, not guessed.
//!
//! # Method
//!
//! The five-point stencil
//!
//! ```text
//! D(h) = [f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)] / (12 h)
//! ```
//!
//! has truncation error `h⁴ f⁽⁵⁾/30` and rounding error at most `(18/12) · η / h`, where
//! `η` bounds the error of one evaluation of `f`. `η` is the larger of
//! [`EVAL_REL_ERROR`]` · M` (`M` bounding `|f|` on the stencil: a few ulps, as for libm)
//! and the evaluation noise measured at `x`: the largest change of `f` over a few offsets
//! of a few ulps, where the true change is negligible. The measurement matters for
//! functions computed as differences of larger terms (a gradient coordinate, a log
//! density), whose rounding error is relative to those terms, not to the result.
//! The estimate returned is `D(h/2)`; its truncation error is bounded by Richardson's
//! `|D(h) - D(h/2)| / 15`, and we report the more conservative `|D(h) - D(h/2)|` plus
//! the rounding bound at `h/2`. The step is `h = STEP · max(|x|, SCALE_FLOOR)`, capped by
//! the caller's distance to the domain boundary so the stencil never leaves the domain.

/// Relative error assumed for one evaluation of the function differentiated (64 ulps).
pub const EVAL_REL_ERROR: f64 = 64.0 * f64::EPSILON;
/// Relative step: about `ε^(1/5)`, the optimum for a fourth-order stencil.
pub const STEP: f64 = 1e-3;
/// Smallest scale used for the step, so points at or near zero still get a usable step.
pub const SCALE_FLOOR: f64 = 1e-2;

/// A finite-difference derivative and a bound on its error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FdEstimate {
    /// The derivative estimate.
    pub value: f64,
    /// A bound on `|value - true derivative|` (truncation estimate plus rounding bound).
    pub error: f64,
}

impl FdEstimate {
    /// `true` when `other` is within `margin` error bounds of this estimate.
    pub fn agrees_with(&self, other: f64, margin: f64) -> bool {
        (self.value - other).abs() <= margin * self.error
    }
}

fn five_point(f: &mut impl FnMut(f64) -> f64, x: f64, h: f64, noise: f64) -> (f64, f64) {
    let (fm2, fm1, fp1, fp2) = (f(x - 2.0 * h), f(x - h), f(x + h), f(x + 2.0 * h));
    let d = (fm2 - 8.0 * fm1 + 8.0 * fp1 - fp2) / (12.0 * h);
    let m = fm2.abs().max(fm1.abs()).max(fp1.abs()).max(fp2.abs());
    (d, 1.5 * (EVAL_REL_ERROR * m).max(noise) / h)
}

/// The largest change of `f` over offsets of a few ulps of `scale` around `x`: an
/// estimate of the rounding noise of one evaluation.
fn evaluation_noise(f: &mut impl FnMut(f64) -> f64, x: f64, scale: f64) -> f64 {
    let f0 = f(x);
    let delta = 4.0 * f64::EPSILON * scale.max(x.abs()).max(f64::MIN_POSITIVE);
    [-2.0, -1.0, 1.0, 2.0]
        .iter()
        .map(|k| (f(x + k * delta) - f0).abs())
        .fold(0.0, f64::max)
}

/// Derivative of a scalar function at `x`; `max_step` bounds the step (a quarter of the
/// distance to the edge of the domain, or `f64::INFINITY`).
///
/// Two base steps are tried — relative to `|x|`, and relative but capped at `STEP` (for
/// functions whose curvature does not scale with `|x|`, like `sin` far from 0) — each at
/// `h, h/2, h/4`; the error bound is the larger of the two successive differences plus
/// the rounding bound, and the estimate with the smaller bound is returned.
pub fn derivative(f: impl FnMut(f64) -> f64, x: f64, max_step: f64) -> FdEstimate {
    derivative_at_scale(f, x, x.abs(), max_step)
}

/// [`derivative`] with the step's scale given: for `t ↦ f(x + t·v)` at `t = 0` the step
/// must scale with `|x|`, not with `t`, or rounding of `x + t·v` swamps the difference.
pub fn derivative_at_scale(
    mut f: impl FnMut(f64) -> f64,
    x: f64,
    scale: f64,
    max_step: f64,
) -> FdEstimate {
    let scale = scale.max(SCALE_FLOOR);
    let noise = evaluation_noise(&mut f, x, scale);
    let mut best = FdEstimate {
        value: f64::NAN,
        error: f64::INFINITY,
    };
    for h in [STEP * scale, STEP * scale.min(1.0)] {
        let h = h.min(max_step);
        let (d1, _) = five_point(&mut f, x, h, noise);
        let (d2, _) = five_point(&mut f, x, h / 2.0, noise);
        let (d3, rounding) = five_point(&mut f, x, h / 4.0, noise);
        let error = (d1 - d2).abs().max((d2 - d3).abs()) + rounding + f64::MIN_POSITIVE;
        if error < best.error || best.value.is_nan() {
            best = FdEstimate { value: d3, error };
        }
    }
    best
}

/// Directional derivative of `f` at `x` along `v`: `d/dt f(x + t v)` at `t = 0`.
pub fn directional(mut f: impl FnMut(&[f64]) -> f64, x: &[f64], v: &[f64]) -> FdEstimate {
    let scale = x.iter().fold(0.0f64, |m, xi| m.max(xi.abs()));
    let vnorm = v
        .iter()
        .fold(0.0f64, |m, vi| m.max(vi.abs()))
        .max(f64::MIN_POSITIVE);
    let mut buf = x.to_vec();
    let mut g = |t: f64| {
        for ((b, xi), vi) in buf.iter_mut().zip(x).zip(v) {
            *b = xi + t * vi;
        }
        f(&buf)
    };
    // The step along `v` moves each coordinate by at most `h · |v|∞`.
    derivative_at_scale(&mut g, 0.0, scale / vnorm, f64::INFINITY)
}

/// Partial derivative `∂f/∂x_i`.
pub fn partial(f: impl FnMut(&[f64]) -> f64, x: &[f64], i: usize) -> FdEstimate {
    let mut e = vec![0.0; x.len()];
    e[i] = 1.0;
    let xi = x[i];
    let mut f = f;
    let mut buf = x.to_vec();
    derivative(
        |t| {
            buf[i] = t;
            f(&buf)
        },
        xi,
        f64::INFINITY,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivative_of_known_functions_is_within_its_error_bound() {
        for &x in &[-3.0, -0.1, 0.0, 1e-6, 0.7, 12.0, 1e4] {
            let d = derivative(f64::sin, x, f64::INFINITY);
            assert!(d.agrees_with(x.cos(), 1.0), "sin' at {x}: {d:?}");
            assert!(
                d.error < 1e-8 * x.abs().max(1.0),
                "bound too loose at {x}: {d:?}"
            );
        }
        let d = derivative(f64::ln, 1e-3, 2.5e-4);
        assert!(d.agrees_with(1e3, 1.0), "{d:?}");
    }

    #[test]
    fn directional_and_partial_agree_with_the_gradient() {
        let f = |x: &[f64]| x[0] * x[0] * x[1] + x[1].exp();
        let x = [1.5, -0.5];
        let g = [2.0 * 1.5 * -0.5, 1.5 * 1.5 + (-0.5f64).exp()];
        let v = [0.3, -2.0];
        let d = directional(f, &x, &v);
        assert!(d.agrees_with(g[0] * v[0] + g[1] * v[1], 1.0), "{d:?}");
        assert!(partial(f, &x, 1).agrees_with(g[1], 1.0));
    }

    #[test]
    fn a_wrong_derivative_is_detected() {
        let d = derivative(f64::exp, 1.0, f64::INFINITY);
        assert!(!d.agrees_with(1.0f64.exp() * (1.0 + 1e-7), 2.0));
    }
}
