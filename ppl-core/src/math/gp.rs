//! Gaussian-process covariance kernels: gp_exp_quad_cov.
//!
//! # Formula
//!
//! The exponentiated-quadratic (squared-exponential, RBF) kernel of Stan's
//! `gp_exp_quad_cov(x, alpha, rho)`, on data inputs `x₀ … xₙ₋₁`:
//!
//! ```text
//! Kᵢⱼ = α² exp(−dᵢⱼ² / (2ρ²)),   dᵢⱼ² = ‖xᵢ − xⱼ‖²
//! ∂Kᵢⱼ/∂α = 2 Kᵢⱼ / α  (= 2α exp(−dᵢⱼ²/(2ρ²)), used when α = 0)
//! ∂Kᵢⱼ/∂ρ = Kᵢⱼ dᵢⱼ² / ρ³
//! ```
//!
//! so the reverse rule, given the cotangent `K̄` of the whole matrix, is
//! `ᾱ = (2/α) Σᵢⱼ K̄ᵢⱼ Kᵢⱼ` and `ρ̄ = ρ⁻³ Σᵢⱼ K̄ᵢⱼ Kᵢⱼ dᵢⱼ²`.
//!
//! `alpha` is the marginal standard deviation (not the variance) and `rho` the length
//! scale; both are expected to be positive (the value depends on `α²` and `ρ²` only, and
//! `ρ = 0` gives NaN on the diagonal of repeated points). The output is the full
//! symmetric `n × n` matrix, row-major; add a jitter or noise variance to its diagonal
//! before [`cholesky`](crate::math::cholesky).

use crate::ad::Scalar;
use crate::math::ScalarMath;

/// `K = gp_exp_quad_cov(x, α, ρ)` for one-dimensional data inputs `x` (`n` points);
/// `out` (at least `n²`) receives the full symmetric matrix, row-major.
///
/// # Examples
///
/// ```
/// use ppl_core::math::gp_exp_quad_cov;
/// let mut k = [0.0; 4];
/// gp_exp_quad_cov(&[0.0, 1.0], 2.0, 1.0, &mut k);
/// assert_eq!(k[0], 4.0);
/// assert!((k[1] - 4.0 * (-0.5f64).exp()).abs() < 1e-15);
/// assert_eq!(k[1], k[2]);
/// ```
pub fn gp_exp_quad_cov<S: Scalar>(x: &[f64], alpha: S, rho: S, out: &mut [S]) {
    fill_kernel(x.len(), |i, j| sq(x[i] - x[j]), alpha, rho, out);
}

/// Reverse rule of [`gp_exp_quad_cov`]: `(ᾱ, ρ̄)` from the matrix cotangent `out_bar`
/// (read in full, `n²`), see the module docs. No allocation.
pub fn gp_exp_quad_cov_vjp<S: Scalar>(
    x: &[f64],
    alpha: S,
    rho: S,
    out: &[S],
    out_bar: &[S],
) -> (S, S) {
    kernel_vjp(x.len(), |i, j| sq(x[i] - x[j]), alpha, rho, out, out_bar)
}

/// `K = gp_exp_quad_cov(x, α, ρ)` for multi-dimensional data inputs given as rows
/// (`x[i]` is point `i`, the model language's `&[Vec<f64>]`), with the squared Euclidean
/// distance `dᵢⱼ² = Σₖ (xᵢₖ − xⱼₖ)²`; `out` (at least `n²`) receives the full matrix.
///
/// # Examples
///
/// ```
/// use ppl_core::math::gp_exp_quad_cov_rows;
/// let x = vec![vec![0.0, 0.0], vec![3.0, 4.0]];
/// let mut k = [0.0; 4];
/// gp_exp_quad_cov_rows(&x, 1.0, 5.0, &mut k);
/// assert!((k[1] - (-0.5f64).exp()).abs() < 1e-15);   // d² = 25 = ρ²
/// ```
pub fn gp_exp_quad_cov_rows<S: Scalar>(x: &[Vec<f64>], alpha: S, rho: S, out: &mut [S]) {
    fill_kernel(x.len(), |i, j| sq_dist(&x[i], &x[j]), alpha, rho, out);
}

/// Reverse rule of [`gp_exp_quad_cov_rows`]: `(ᾱ, ρ̄)` from `out_bar` (read in full).
pub fn gp_exp_quad_cov_rows_vjp<S: Scalar>(
    x: &[Vec<f64>],
    alpha: S,
    rho: S,
    out: &[S],
    out_bar: &[S],
) -> (S, S) {
    kernel_vjp(
        x.len(),
        |i, j| sq_dist(&x[i], &x[j]),
        alpha,
        rho,
        out,
        out_bar,
    )
}

#[inline(always)]
fn sq(d: f64) -> f64 {
    d * d
}

#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(u, v)| sq(u - v)).sum()
}

/// Fills the lower triangle from `d2(i, j)` (`j < i`) and mirrors it.
#[inline]
fn fill_kernel<S: Scalar>(
    n: usize,
    d2: impl Fn(usize, usize) -> f64,
    alpha: S,
    rho: S,
    out: &mut [S],
) {
    if n == 0 || out.len() < n * n {
        return;
    }
    let var = alpha * alpha;
    let neg_half_inv_rho2 = -(rho * rho * 2.0).recip();
    for i in 0..n {
        for j in 0..i {
            let k = var * (neg_half_inv_rho2 * d2(i, j)).exp();
            out[i * n + j] = k;
            out[j * n + i] = k;
        }
        out[i * n + i] = var;
    }
}

#[inline]
fn kernel_vjp<S: Scalar>(
    n: usize,
    d2: impl Fn(usize, usize) -> f64,
    alpha: S,
    rho: S,
    out: &[S],
    out_bar: &[S],
) -> (S, S) {
    if n == 0 || out.len() < n * n || out_bar.len() < n * n {
        return (S::zero(), S::zero());
    }
    // s_k = Σ K̄ᵢⱼ Kᵢⱼ, s_d = Σ K̄ᵢⱼ Kᵢⱼ dᵢⱼ² over the whole matrix (symmetric pairs summed).
    let mut s_k = S::zero();
    let mut s_d = S::zero();
    for i in 0..n {
        for j in 0..i {
            let g = (out_bar[i * n + j] + out_bar[j * n + i]) * out[i * n + j];
            s_k += g;
            s_d += g * d2(i, j);
        }
        s_k += out_bar[i * n + i] * out[i * n + i];
    }
    let rho_bar = s_d / (rho * rho * rho);
    let alpha_bar = if alpha.value() != 0.0 {
        s_k * 2.0 / alpha
    } else {
        // K = 0 when α = 0: ∂/∂α = 2α Σ K̄ᵢⱼ exp(−dᵢⱼ²/(2ρ²)), recomputed from the data.
        let neg_half_inv_rho2 = -(rho * rho * 2.0).recip();
        let mut s_e = S::zero();
        for i in 0..n {
            for j in 0..i {
                let e = (neg_half_inv_rho2 * d2(i, j)).exp();
                s_e += (out_bar[i * n + j] + out_bar[j * n + i]) * e;
            }
            s_e += out_bar[i * n + i];
        }
        alpha * s_e * 2.0
    };
    (alpha_bar, rho_bar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::{check_function, rng_for, Domain, GradientFunction};
    use rand::rngs::StdRng;
    use rand::Rng;

    /// `f(α, ρ) = Σ W ⊙ K(α, ρ)` with fixed data and non-symmetric random weights.
    struct Check {
        x: Vec<f64>,
        rows: Vec<Vec<f64>>,
        multi: bool,
        w: Vec<f64>,
    }

    impl Check {
        fn new(multi: bool) -> Self {
            let mut rng = rng_for(&format!("gp-data-{multi}"));
            // includes a repeated point (d = 0) and a far one (K ≈ 0)
            let mut x: Vec<f64> = (0..6).map(|_| rng.random_range(-3.0..3.0)).collect();
            x.push(x[0]);
            x.push(40.0);
            let rows: Vec<Vec<f64>> = x
                .iter()
                .map(|&v| vec![v, rng.random_range(-1.0..1.0), 0.5 * v])
                .collect();
            let n = x.len();
            let w = (0..n * n).map(|_| rng.random_range(-1.0..1.0)).collect();
            Check { x, rows, multi, w }
        }
        fn n(&self) -> usize {
            self.x.len()
        }
    }

    const ALPHA: Domain = Domain::Interval(0.1, 3.0);
    const RHO: Domain = Domain::LogUniform(0.2, 10.0);

    impl GradientFunction for Check {
        fn name(&self) -> String {
            format!("gp_exp_quad_cov (multi = {})", self.multi)
        }
        fn dim(&self) -> usize {
            2
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            vec![ALPHA.sample(rng), RHO.sample(rng)]
        }
        fn max_step(&self, x: &[f64], i: usize) -> f64 {
            [ALPHA, RHO][i].max_step(x[i])
        }
        fn value<S: Scalar>(&self, p: &[S]) -> S {
            let n = self.n();
            let mut k = vec![S::zero(); n * n];
            if self.multi {
                gp_exp_quad_cov_rows(&self.rows, p[0], p[1], &mut k);
            } else {
                gp_exp_quad_cov(&self.x, p[0], p[1], &mut k);
            }
            k.iter().zip(&self.w).map(|(&k, &w)| k * w).sum()
        }
        fn gradient<S: Scalar>(&self, p: &[S], grad: &mut [S]) -> S {
            let n = self.n();
            let mut k = vec![S::zero(); n * n];
            let w: Vec<S> = self.w.iter().map(|&w| S::cst(w)).collect();
            let (a, r) = if self.multi {
                gp_exp_quad_cov_rows(&self.rows, p[0], p[1], &mut k);
                gp_exp_quad_cov_rows_vjp(&self.rows, p[0], p[1], &k, &w)
            } else {
                gp_exp_quad_cov(&self.x, p[0], p[1], &mut k);
                gp_exp_quad_cov_vjp(&self.x, p[0], p[1], &k, &w)
            };
            grad[0] = a;
            grad[1] = r;
            k.iter().zip(&w).map(|(&k, &w)| k * w).sum()
        }
    }

    #[test]
    fn reverse_rules_match_finite_differences() {
        check_function(&Check::new(false));
        check_function(&Check::new(true));
    }

    #[test]
    fn alpha_zero_has_the_limit_derivative() {
        // At α = 0 the formula 2K/α is 0/0; the rule recomputes 2α Σ K̄ e (and its
        // tangent on Dual, which is the second derivative 2 Σ K̄ e).
        let c = Check::new(false);
        let n = c.n();
        let w: Vec<Dual> = c.w.iter().map(|&w| Dual::new(w, 0.0)).collect();
        let (alpha, rho) = (Dual::new(0.0, 1.0), Dual::new(1.3, 0.0));
        let mut k = vec![Dual::default(); n * n];
        gp_exp_quad_cov(&c.x, alpha, rho, &mut k);
        let (ab, rb) = gp_exp_quad_cov_vjp(&c.x, alpha, rho, &k, &w);
        let mut e = vec![0.0; n * n];
        gp_exp_quad_cov(&c.x, 1.0, 1.3, &mut e);
        let want: f64 = 2.0 * e.iter().zip(&c.w).map(|(e, w)| e * w).sum::<f64>();
        assert_eq!(ab.v, 0.0);
        assert!((ab.d - want).abs() < 1e-13 * want.abs().max(1.0));
        assert_eq!((rb.v, rb.d), (0.0, 0.0));
    }

    #[test]
    fn kernel_values_and_symmetry() {
        let x = [0.0, 0.5, 2.0];
        let mut k = [0.0; 9];
        gp_exp_quad_cov(&x, 1.5, 0.7, &mut k);
        for i in 0..3 {
            for j in 0..3 {
                let want = 2.25 * (-(x[i] - x[j]).powi(2) / (2.0 * 0.49)).exp();
                assert!((k[i * 3 + j] - want).abs() < 1e-15 * 2.25);
            }
        }
        let rows: Vec<Vec<f64>> = x.iter().map(|&v| vec![v]).collect();
        let mut k2 = [0.0; 9];
        gp_exp_quad_cov_rows(&rows, 1.5, 0.7, &mut k2);
        assert_eq!(k, k2);
        // empty input and short output do nothing
        gp_exp_quad_cov::<f64>(&[], 1.0, 1.0, &mut []);
        let mut short = [7.0; 3];
        gp_exp_quad_cov(&x, 1.0, 1.0, &mut short);
        assert_eq!(short, [7.0; 3]);
    }
}
