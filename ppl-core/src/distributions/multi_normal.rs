//! The multivariate normal with a Cholesky factor of the covariance.
//!
//! The value of a multivariate distribution is a vector, so `MultiNormal` does not
//! implement the scalar [`ContinuousDistribution`](crate::distributions::ContinuousDistribution)
//! trait; it has the same methods as inherent methods taking slices, with reverse rules
//! that accumulate into caller-provided adjoint slices (the convention of
//! [`crate::ad::rules`]).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::Sample;
use crate::error::{Error, Result};
use crate::math::reductions::{axpy, dot, squared_norm};
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, StandardNormal};

/// Dimension up to which the scratch-free convenience functions use a stack buffer
/// (above it they allocate one vector of length `n`).
pub const STACK_DIM: usize = 16;

/// Multivariate normal `MultiNormal(mu, L)` with mean vector `mu` (length `n`) and the
/// lower Cholesky factor `L` of its covariance `Σ = L Lᵀ` (`n × n`, row-major; Stan's
/// `multi_normal_cholesky`).
///
/// # Formula
///
/// ```text
/// log p(y | μ, L) = −½ n ln(2π) − Σᵢ ln Lᵢᵢ − ½ ‖z‖²,     z = L⁻¹ (y − μ),  w = L⁻ᵀ z
/// ∂/∂y = −w     ∂/∂μ = w     ∂/∂Lᵢⱼ = wᵢ zⱼ − δᵢⱼ / Lᵢᵢ   (i ≥ j; 0 above the diagonal)
/// ```
///
/// (`d(−½‖z‖²) = −zᵀ dz`, `dz = L⁻¹(dy − dμ − dL z)`, so the cotangent of `y − μ` is
/// `−L⁻ᵀ z` and that of `L` is `L⁻ᵀ z zᵀ`, restricted to the lower triangle.)
///
/// Support: `ℝⁿ` (each coordinate [`Support::Real`]). Parameters: `mu` finite; `L` lower
/// triangular with a positive finite diagonal (its upper triangle is **not read**: only
/// the lower triangle is used, as Stan does). The parameterisation is by the Cholesky
/// factor of the covariance, not of the precision. A non-positive or non-finite diagonal
/// entry, or any non-finite `y`, `mu` or lower entry of `L` (detected as a non-finite
/// `‖z‖²`), gives `−∞` with zero partials; inconsistent lengths give NaN (a shape error,
/// which the model checks on construction).
///
/// # Cost
///
/// One forward substitution (`n²/2` multiply-adds) for the value; the reverse rule adds a
/// back substitution and the rank-one update of `L̄` (`n²` in all). Both need `n` values
/// of scratch: the `_in`/`_vjp` forms take it from the caller and allocate nothing; the
/// convenience [`MultiNormal::lpdf`] uses a stack buffer up to [`STACK_DIM`] and allocates
/// above it.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::MultiNormal;
/// // Σ = [[4, 2], [2, 5]] = L Lᵀ with L = [[2, 0], [1, 2]]
/// let d = MultiNormal([1.0, -1.0], [2.0, 0.0, 1.0, 2.0]);
/// let y = [2.0, 0.5];
/// let lp = d.lpdf(&y);
/// // z = L⁻¹ (y − μ) = [0.5, 0.5]: −ln 2π − ln 4 − ½ · 0.5
/// assert!((lp - (-(2.0 * std::f64::consts::PI).ln() - 4f64.ln() - 0.25)).abs() < 1e-15);
///
/// let (mut y_bar, mut mu_bar, mut l_bar, mut scratch) = ([0.0; 2], [0.0; 2], [0.0; 4], [0.0; 2]);
/// d.lpdf_vjp(&y, lp, 1.0, &mut y_bar, &mut mu_bar, &mut l_bar, &mut scratch);
/// assert_eq!(y_bar, [-mu_bar[0], -mu_bar[1]]);
/// assert_eq!(l_bar[1], 0.0);                       // upper triangle untouched
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MultiNormal<M, L>(pub M, pub L);

impl<M, L> MultiNormal<M, L> {
    /// `log p(y | μ, L)` (normalising constant included); see the type's docs. Uses a stack
    /// buffer for `n ≤` [`STACK_DIM`] and allocates one vector above; the allocation-free
    /// form is [`MultiNormal::lpdf_in`].
    pub fn lpdf<S: Scalar>(&self, y: &[S]) -> S
    where
        M: AsRef<[S]>,
        L: AsRef<[S]>,
    {
        multi_normal_cholesky_lpdf(y, self.0.as_ref(), self.1.as_ref())
    }

    /// `log p(y | μ, L)` with caller scratch of at least `n` values.
    pub fn lpdf_in<S: Scalar>(&self, y: &[S], scratch: &mut [S]) -> S
    where
        M: AsRef<[S]>,
        L: AsRef<[S]>,
    {
        multi_normal_cholesky_lpdf_in(y, self.0.as_ref(), self.1.as_ref(), scratch)
    }

    /// Reverse rule: accumulates `lp̄ · ∂lp/∂y` into `y_bar`, `lp̄ · ∂lp/∂μ` into `mu_bar`
    /// and `lp̄ · ∂lp/∂L` into the lower triangle of `l_bar` (formulas in the type's docs).
    /// `lp` is the value returned by [`MultiNormal::lpdf`] (unused: the rule recomputes
    /// `z`). `scratch` must hold at least `n` values. Allocates nothing. Where the density
    /// is `−∞` (invalid parameters) nothing is accumulated.
    #[allow(clippy::too_many_arguments)]
    pub fn lpdf_vjp<S: Scalar>(
        &self,
        y: &[S],
        lp: S,
        lp_bar: S,
        y_bar: &mut [S],
        mu_bar: &mut [S],
        l_bar: &mut [S],
        scratch: &mut [S],
    ) where
        M: AsRef<[S]>,
        L: AsRef<[S]>,
    {
        multi_normal_cholesky_lpdf_vjp(
            y,
            self.0.as_ref(),
            self.1.as_ref(),
            lp,
            lp_bar,
            y_bar,
            mu_bar,
            l_bar,
            scratch,
        )
    }

    /// The support of each coordinate of the value: [`Support::Real`] (the value lives in
    /// `ℝⁿ`, so a sample site uses the identity transform elementwise).
    pub fn support<S: Scalar>(&self) -> Support<S> {
        Support::Real
    }
}

/// Stan's `multi_normal_cholesky_lpdf(y | mu, L)`; see [`MultiNormal`] for the formula
/// and edge cases. Stack buffer up to [`STACK_DIM`], one allocation above.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::multi_normal_cholesky_lpdf;
/// use ppl_core::distributions::normal_lpdf;
/// // n = 1 is the univariate normal with sigma = L₀₀
/// let lp = multi_normal_cholesky_lpdf(&[0.3], &[1.0], &[2.0]);
/// assert!((lp - normal_lpdf(0.3, 1.0, 2.0)).abs() < 1e-15);
/// ```
pub fn multi_normal_cholesky_lpdf<S: Scalar>(y: &[S], mu: &[S], l: &[S]) -> S {
    let n = mu.len();
    if n <= STACK_DIM {
        let mut buf = [S::zero(); STACK_DIM];
        multi_normal_cholesky_lpdf_in(y, mu, l, &mut buf)
    } else {
        let mut buf = vec![S::zero(); n];
        multi_normal_cholesky_lpdf_in(y, mu, l, &mut buf)
    }
}

/// `true` when the lengths are consistent (`y`: n, `L`: n², scratch ≥ n).
fn shapes_ok<S>(y: &[S], mu: &[S], l: &[S], scratch: &[S]) -> bool {
    let n = mu.len();
    y.len() == n && l.len() == n * n && scratch.len() >= n
}

/// `true` when every diagonal entry of `L` is positive and finite.
fn diagonal_ok<S: Scalar>(l: &[S], n: usize) -> bool {
    n == 0
        || l.iter()
            .step_by(n + 1)
            .all(|d| d.value() > 0.0 && d.is_finite())
}

/// `z = L⁻¹ (y − μ)` into `z` by forward substitution; returns `Σᵢ ln Lᵢᵢ`.
fn whiten<S: Scalar>(y: &[S], mu: &[S], l: &[S], n: usize, z: &mut [S]) -> S {
    let mut log_det = S::zero();
    let rows = l.chunks_exact(n).zip(y.iter().zip(mu));
    for (i, (l_i, (&y_i, &mu_i))) in rows.enumerate() {
        let (done, rest) = z.split_at_mut(i);
        rest[0] = (y_i - mu_i - dot(&l_i[..i], done)) / l_i[i];
        log_det += l_i[i].ln();
    }
    log_det
}

/// [`multi_normal_cholesky_lpdf`] with caller scratch of at least `n` values (receives
/// `z = L⁻¹(y − μ)`). Allocates nothing.
pub fn multi_normal_cholesky_lpdf_in<S: Scalar>(
    y: &[S],
    mu: &[S],
    l: &[S],
    scratch: &mut [S],
) -> S {
    let n = mu.len();
    if !shapes_ok(y, mu, l, scratch) {
        return S::cst(f64::NAN);
    }
    if n == 0 {
        return S::zero();
    }
    if !diagonal_ok(l, n) {
        return neg_inf();
    }
    let z = &mut scratch[..n];
    let log_det = whiten(y, mu, l, n, z);
    let q = squared_norm(z);
    if !q.is_finite() {
        return neg_inf();
    }
    -(q * 0.5) - log_det - HALF_LN_2PI * n as f64
}

/// Reverse rule of [`multi_normal_cholesky_lpdf`]: accumulates into `y_bar`, `mu_bar` and
/// the lower triangle of `l_bar` (see [`MultiNormal`] for the formulas).
///
/// `z = L⁻¹(y − μ)` is recomputed into `scratch` (at least `n` values), then
/// `w = L⁻ᵀ z` by a left-looking back substitution that overwrites `zᵢ` with `wᵢ` from
/// the last row up, so that when row `i` of `L̄` is updated (`L̄ᵢⱼ += lp̄ wᵢ zⱼ`, `j ≤ i`)
/// the `zⱼ`, `j < i`, are still in place: `n` values of scratch suffice. No allocation.
#[allow(clippy::too_many_arguments)]
pub fn multi_normal_cholesky_lpdf_vjp<S: Scalar>(
    y: &[S],
    mu: &[S],
    l: &[S],
    _lp: S,
    lp_bar: S,
    y_bar: &mut [S],
    mu_bar: &mut [S],
    l_bar: &mut [S],
    scratch: &mut [S],
) {
    let n = mu.len();
    if n == 0 || !shapes_ok(y, mu, l, scratch) || !diagonal_ok(l, n) {
        return;
    }
    if y_bar.len() < n || mu_bar.len() < n || l_bar.len() < n * n {
        return;
    }
    let z = &mut scratch[..n];
    whiten(y, mu, l, n, z);
    if !squared_norm(z).is_finite() {
        return;
    }
    for i in (0..n).rev() {
        let l_ii = l[i * n + i];
        let (head, tail) = z.split_at_mut(i);
        let z_i = tail[0];
        // wᵢ = (zᵢ − Σₖ>ᵢ Lₖᵢ wₖ) / Lᵢᵢ, column i of L below the diagonal.
        let column = l.get((i + 1) * n + i..).unwrap_or(&[]).iter().step_by(n);
        let mut s = S::zero();
        for (&l_ki, &w_k) in column.zip(&tail[1..]) {
            s += l_ki * w_k;
        }
        let w_i = (z_i - s) / l_ii;
        tail[0] = w_i;
        let g = lp_bar * w_i;
        y_bar[i] -= g;
        mu_bar[i] += g;
        let lb_i = &mut l_bar[i * n..i * n + i + 1];
        axpy(g, head, &mut lb_i[..i]);
        lb_i[i] += g * z_i - lp_bar / l_ii;
    }
}

impl<M: AsRef<[f64]>, L: AsRef<[f64]>> Sample for MultiNormal<M, L> {
    type Value = Vec<f64>;

    /// `mu` finite; `L` of length `n²` with a finite lower triangle and a positive
    /// diagonal.
    fn validate(&self) -> Result<()> {
        let (mu, l) = (self.0.as_ref(), self.1.as_ref());
        let n = mu.len();
        if l.len() != n * n {
            return Err(Error::DimensionMismatch {
                what: "MultiNormal: L (n × n for a mean of length n)".into(),
                expected: n * n,
                found: l.len(),
            });
        }
        for &m in mu {
            crate::distributions::validation::finite("MultiNormal", "mu", m)?;
        }
        for (i, l_i) in l.chunks_exact(n.max(1)).enumerate() {
            for &v in &l_i[..i] {
                crate::distributions::validation::finite("MultiNormal", "L", v)?;
            }
            crate::distributions::validation::positive("MultiNormal", "L", l_i[i])?;
        }
        Ok(())
    }

    /// `y = μ + L ε` with `ε` standard normal (the upper triangle of `L` is not read).
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Vec<f64>> {
        self.validate()?;
        let (mu, l) = (self.0.as_ref(), self.1.as_ref());
        let n = mu.len();
        let eps: Vec<f64> = (0..n).map(|_| StandardNormal.sample(rng)).collect();
        let y = mu
            .iter()
            .zip(l.chunks_exact(n.max(1)))
            .enumerate()
            .map(|(i, (&m, l_i))| m + dot(&l_i[..=i], &eps[..=i]))
            .collect();
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::distributions::normal_lpdf;
    use crate::testing::distribution_checks::{
        assert_reference, check_moments, json_f64, reference_cases,
    };
    use crate::testing::{check_function, rng_for, GradientFunction};
    use rand::rngs::StdRng;
    use rand::Rng;

    fn tri(n: usize) -> usize {
        n * (n + 1) / 2
    }

    /// `(y, μ, lower triangle of L)` ↦ log density, all `n + n + n(n+1)/2` inputs active;
    /// the upper triangle of `L` is NaN to prove it is never read.
    struct Check {
        n: usize,
    }

    impl Check {
        fn unpack<S: Scalar>(&self, x: &[S]) -> (Vec<S>, Vec<S>, Vec<S>) {
            let n = self.n;
            let mut l = vec![S::cst(f64::NAN); n * n];
            let mut k = 2 * n;
            for i in 0..n {
                for j in 0..=i {
                    l[i * n + j] = x[k];
                    k += 1;
                }
            }
            (x[..n].to_vec(), x[n..2 * n].to_vec(), l)
        }
        fn is_diag(&self, idx: usize) -> bool {
            idx >= 2 * self.n && (0..self.n).any(|i| 2 * self.n + i * (i + 3) / 2 == idx)
        }
    }

    impl GradientFunction for Check {
        fn name(&self) -> String {
            format!("multi_normal_cholesky (n = {})", self.n)
        }
        fn dim(&self) -> usize {
            2 * self.n + tri(self.n)
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            (0..self.dim())
                .map(|k| {
                    if self.is_diag(k) {
                        rng.random_range(0.3..3.0)
                    } else if k >= 2 * self.n {
                        rng.random_range(-1.5..1.5)
                    } else {
                        rng.random_range(-4.0..4.0)
                    }
                })
                .collect()
        }
        fn max_step(&self, x: &[f64], i: usize) -> f64 {
            if self.is_diag(i) {
                x[i] / 4.0
            } else {
                f64::INFINITY
            }
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            let (y, mu, l) = self.unpack(x);
            MultiNormal(&mu, &l).lpdf(&y)
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            let n = self.n;
            let (y, mu, l) = self.unpack(x);
            let d = MultiNormal(&mu, &l);
            let mut scratch = vec![S::cst(f64::NAN); n];
            let lp = d.lpdf_in(&y, &mut scratch);
            let (mut yb, mut mb, mut lb) = (
                vec![S::zero(); n],
                vec![S::zero(); n],
                vec![S::zero(); n * n],
            );
            d.lpdf_vjp(&y, lp, S::one(), &mut yb, &mut mb, &mut lb, &mut scratch);
            grad[..n].copy_from_slice(&yb);
            grad[n..2 * n].copy_from_slice(&mb);
            let mut k = 2 * n;
            for i in 0..n {
                for j in 0..n {
                    if j <= i {
                        grad[k] = lb[i * n + j];
                        k += 1;
                    } else {
                        assert_eq!(lb[i * n + j], S::zero(), "upper triangle of L̄ untouched");
                    }
                }
            }
            lp
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for n in [1, 2, 3, 5, 8] {
            check_function(&Check { n });
        }
    }

    #[test]
    fn vjp_accumulates_and_scales_with_lp_bar() {
        let (mu, l) = (
            [0.5, -1.0, 2.0],
            [1.5, 0.0, 0.0, 0.3, 0.8, 0.0, -0.2, 0.4, 2.0],
        );
        let y = [1.0, 0.0, 1.0];
        let d = MultiNormal(mu, l);
        let mut scratch = [0.0; 3];
        let (mut y1, mut m1, mut l1) = ([0.0; 3], [0.0; 3], [0.0; 9]);
        d.lpdf_vjp(&y, 0.0, 1.0, &mut y1, &mut m1, &mut l1, &mut scratch);
        let (mut y2, mut m2, mut l2) = ([1.0; 3], [1.0; 3], [1.0; 9]);
        d.lpdf_vjp(&y, 0.0, -2.5, &mut y2, &mut m2, &mut l2, &mut scratch);
        for (a, b) in y1
            .iter()
            .chain(&m1)
            .chain(&l1)
            .zip(y2.iter().chain(&m2).chain(&l2))
        {
            assert!((b - (1.0 - 2.5 * a)).abs() < 1e-14);
        }
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_no_partials() {
        let y = [0.1, 0.2];
        let cases: [([f64; 2], [f64; 4], [f64; 2]); 6] = [
            ([0.0, 0.0], [1.0, 0.0, 0.5, 0.0], y),
            ([0.0, 0.0], [-1.0, 0.0, 0.5, 1.0], y),
            ([0.0, 0.0], [f64::INFINITY, 0.0, 0.5, 1.0], y),
            ([f64::NAN, 0.0], [1.0, 0.0, 0.5, 1.0], y),
            ([0.0, 0.0], [1.0, 0.0, f64::INFINITY, 1.0], y),
            ([0.0, 0.0], [1.0, 0.0, 0.5, 1.0], [f64::NEG_INFINITY, 0.0]),
        ];
        for (mu, l, y) in cases {
            let d = MultiNormal(mu, l);
            assert_eq!(d.lpdf(&y), f64::NEG_INFINITY, "{mu:?} {l:?} {y:?}");
            let (mut yb, mut mb, mut lb, mut s) = ([0.0; 2], [0.0; 2], [0.0; 4], [0.0; 2]);
            d.lpdf_vjp(
                &y,
                f64::NEG_INFINITY,
                1.0,
                &mut yb,
                &mut mb,
                &mut lb,
                &mut s,
            );
            assert!(yb.iter().chain(&mb).chain(&lb).all(|v| *v == 0.0));
            let dual = |v: &[f64]| v.iter().map(|&x| Dual::new(x, 1.0)).collect::<Vec<_>>();
            let lpd = MultiNormal(dual(&mu), dual(&l)).lpdf(&dual(&y));
            assert!(lpd.v == f64::NEG_INFINITY && lpd.d == 0.0);
        }
        // the upper triangle is not read, even when it is NaN
        let lp = MultiNormal([0.0, 0.0], [1.0, f64::NAN, 0.5, 1.0]).lpdf(&y);
        assert!(lp.is_finite());
        // shape errors are NaN (the model rejects them on construction)
        assert!(MultiNormal([0.0, 0.0], [1.0, 0.0, 1.0]).lpdf(&y).is_nan());
        assert!(MultiNormal([0.0], [1.0]).lpdf(&y).is_nan());
        assert_eq!(MultiNormal::<[f64; 0], [f64; 0]>([], []).lpdf(&[]), 0.0);
    }

    #[test]
    fn univariate_case_is_the_normal() {
        for (y, mu, s) in [(0.3, 1.0, 2.0), (-40.0, 0.0, 1.0), (1e-8, 0.0, 1e-8)] {
            let lp = multi_normal_cholesky_lpdf(&[y], &[mu], &[s]);
            assert!((lp - normal_lpdf(y, mu, s)).abs() <= 1e-15 * lp.abs().max(1.0));
        }
    }

    #[test]
    fn large_dimensions_use_the_heap_path() {
        // n > STACK_DIM: L = I, so lp = −n/2 ln 2π − ½ ‖y − μ‖².
        let n = STACK_DIM + 5;
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            l[i * n + i] = 1.0;
        }
        let mu = vec![0.5; n];
        let y: Vec<f64> = (0..n).map(|i| i as f64 * 0.1).collect();
        let q: f64 = y.iter().map(|v| (v - 0.5) * (v - 0.5)).sum();
        let want = -(n as f64) * HALF_LN_2PI - 0.5 * q;
        assert!((MultiNormal(&mu, &l).lpdf(&y) - want).abs() < 1e-13 * want.abs());
    }

    fn vec_of(v: &serde_json::Value) -> Vec<f64> {
        v.as_array().expect("array").iter().map(json_f64).collect()
    }

    #[test]
    fn matches_reference_values() {
        for case in reference_cases("multi_normal_cholesky") {
            let (y, mu, l) = (vec_of(&case["y"]), vec_of(&case["mu"]), vec_of(&case["L"]));
            let want = json_f64(&case["value"]);
            let scale = case.get("scale").map_or(1.0, json_f64);
            let got = MultiNormal(&mu, &l).lpdf(&y);
            assert_reference(
                &format!("multi_normal_cholesky(n = {}, y = {y:?})", mu.len()),
                got,
                want,
                scale,
            );
        }
    }

    #[test]
    fn sampler_moments() {
        // Σ = L Lᵀ; every linear functional aᵀy has mean aᵀμ and variance aᵀΣa.
        let mu = [1.0, -2.0, 0.5];
        let l = [1.0, 0.0, 0.0, 0.6, 0.8, 0.0, -0.5, 1.2, 0.3];
        let d = MultiNormal(mu, l);
        let mut sigma = [0.0; 9];
        crate::math::multiply_lower_tri_self_transpose(&l, 3, &mut sigma);
        for a in [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1.0, -1.0, 2.0]] {
            let mean: f64 = a.iter().zip(&mu).map(|(a, m)| a * m).sum();
            let var = crate::math::quad_form(&sigma, 3, &a);
            check_moments(
                &format!("MultiNormal·{a:?}"),
                |rng| {
                    let y = d.sample(rng).unwrap();
                    a.iter().zip(&y).map(|(a, y)| a * y).sum()
                },
                mean,
                var,
            );
        }
    }

    #[test]
    fn sampling_validates_parameters() {
        let mut rng = rng_for("multi-normal-invalid");
        let e = MultiNormal([0.0, 0.0], [1.0, 0.0, 0.5, -1.0])
            .sample(&mut rng)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "MultiNormal: parameter `L` = -1 but it must be finite and > 0"
        );
        assert!(MultiNormal([f64::NAN], [1.0]).sample(&mut rng).is_err());
        assert!(matches!(
            MultiNormal([0.0, 0.0], [1.0]).sample(&mut rng),
            Err(Error::DimensionMismatch { .. })
        ));
        let d = MultiNormal([0.0, 0.0], [1.0, 0.0, 0.5, 1.0]);
        assert_eq!(d.sample(&mut rng).unwrap().len(), 2);
        assert_eq!(d.support::<f64>(), Support::Real);
    }
}
