//! The LKJ distribution on Cholesky factors of correlation matrices.
//!
//! Like [`MultiNormal`](crate::distributions::MultiNormal), its value is a matrix, so it
//! has inherent methods on slices rather than the scalar
//! [`ContinuousDistribution`](crate::distributions::ContinuousDistribution) trait.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::{validation, Sample};
use crate::error::{Error, Result};
use crate::math::{lbeta, lbeta_vjp, ScalarMath};
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Beta, Distribution as _, StandardNormal};

/// `LkjCholesky(K, eta)`: the LKJ distribution (Lewandowski, Kurowicka & Joe 2009) of a
/// `K × K` correlation matrix `Ω = L Lᵀ` with shape `eta > 0`, as a density on its
/// Cholesky factor `L` (Stan's `lkj_corr_cholesky`).
///
/// # Formula
///
/// `L` is lower triangular with unit-norm rows and a positive diagonal, stored row-major
/// as `K²` values. The density of `Ω` is `det(Ω)^(η−1) / c_K(η)`; with the Jacobian
/// `Πᵢ Lᵢᵢ^(K−i)` of `L ↦ Ω` (free coordinates: the strict lower triangle of `L`),
///
/// ```text
/// log p(L | η) = Σ_{i=2}^{K} (K − i + 2η − 2) ln Lᵢᵢ − ln c_K(η)            (i 1-based)
/// ln c_K(η)    = Σ_{m=1}^{K−1} m · ln B(η + (m−1)/2, ½)
/// ∂/∂Lᵢᵢ       = (K − i + 2η − 2) / Lᵢᵢ     (i ≥ 2; all other entries: 0)
/// ∂/∂η         = 2 Σ_{i=2}^{K} ln Lᵢᵢ − Σ_{m=1}^{K−1} m · [ψ(aₘ) − ψ(aₘ + ½)],  aₘ = η + (m−1)/2
/// ```
///
/// The normalising constant is **included**. `c_K` is the constant of LKJ (2009), in the
/// Stan functions reference's form
/// `c_K(η) = Π_{k=1}^{K−1} [2^{2η−2+K−k} B(bₖ, bₖ)]^{K−k}`, `bₖ = η + (K−k−1)/2`,
/// rewritten with the duplication formula `2^{2b−1} B(b, b) = B(b, ½)` into the form
/// above, a sum of `K − 1` log-beta terms with no powers of two to cancel.
/// (`K = 2`: `c₂(η) = B(η, ½) = ∫₋₁¹ (1 − r²)^(η−1) dr`.)
///
/// Support: [`Support::CorrCholesky(K)`](Support::CorrCholesky). Parameters: `K ≥ 1`
/// (for `K = 1` the density is 1 on `L = [1]`), `eta > 0` finite (`η = 1`: uniform over
/// correlation matrices; `η > 1` concentrates on the identity; `η < 1` favours strong
/// correlations). Only the diagonal of `L` is read — as in Stan, the unit-norm rows are
/// the transform's job and are not re-checked; a non-positive or non-finite diagonal
/// entry, an invalid `eta` or `l.len() ≠ K²` gives `−∞` with zero partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::LkjCholesky;
/// // K = 2, η = 1: uniform correlation r on (−1, 1), density ½ in r
/// let r: f64 = 0.3;
/// let l = [1.0, 0.0, r, (1.0 - r * r).sqrt()];
/// assert!((LkjCholesky(2, 1.0).lpdf(&l) - 0.5f64.ln()).abs() < 1e-15);
/// let mut l_bar = [0.0; 4];
/// let eta_bar = LkjCholesky(2, 1.0).lpdf_vjp(&l, 0.5f64.ln(), 1.0, &mut l_bar);
/// assert_eq!(l_bar, [0.0; 4]);                     // exponent 2η − 2 = 0
/// assert!(eta_bar.is_finite());
/// ```
///
/// # References
///
/// D. Lewandowski, D. Kurowicka, H. Joe, "Generating random correlation matrices based on
/// vines and extended onion method", J. Multivariate Analysis 100 (2009) 1989–2001;
/// Stan Functions Reference, "LKJ Cholesky factor of a correlation matrix".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LkjCholesky<E>(pub usize, pub E);

impl<S: Scalar> LkjCholesky<S> {
    /// `log p(L | η)` with the normalising constant; see the type's docs.
    pub fn lpdf(&self, l: &[S]) -> S {
        lkj_lpdf_k(l, self.0, self.1)
    }

    /// Reverse rule: accumulates `lp̄ · ∂lp/∂Lᵢᵢ` into the diagonal of `l_bar` (`K²`) and
    /// returns `lp̄ · ∂lp/∂η`. Nothing is accumulated (and 0 returned) where the density
    /// is `−∞`. Allocates nothing.
    pub fn lpdf_vjp(&self, l: &[S], lp: S, lp_bar: S, l_bar: &mut [S]) -> S {
        lkj_lpdf_vjp_k(l, self.0, self.1, lp, lp_bar, l_bar)
    }

    /// [`Support::CorrCholesky`]`(K)`: `K(K−1)/2` unconstrained reals, `K²` stored values.
    pub fn support(&self) -> Support<S> {
        Support::CorrCholesky(self.0)
    }
}

/// Stan's `lkj_corr_cholesky_lpdf(L | eta)`; `K` is read from `l.len() = K²` (NaN-free:
/// a length that is not a square gives `−∞`). See [`LkjCholesky`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::lkj_corr_cholesky_lpdf;
/// assert_eq!(lkj_corr_cholesky_lpdf(&[1.0], 3.0), 0.0);
/// ```
pub fn lkj_corr_cholesky_lpdf<S: Scalar>(l: &[S], eta: S) -> S {
    lkj_lpdf_k(l, square_side(l.len()), eta)
}

/// Reverse rule of [`lkj_corr_cholesky_lpdf`]: accumulates into the diagonal of `l_bar`
/// and returns `eta_bar`.
pub fn lkj_corr_cholesky_lpdf_vjp<S: Scalar>(
    l: &[S],
    eta: S,
    lp: S,
    lp_bar: S,
    l_bar: &mut [S],
) -> S {
    lkj_lpdf_vjp_k(l, square_side(l.len()), eta, lp, lp_bar, l_bar)
}

/// `ln c_K(η) = Σ_{m=1}^{K−1} m · ln B(η + (m−1)/2, ½)`, the log normalising constant of
/// the LKJ density (see [`LkjCholesky`]); `0` for `K ≤ 1`.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::lkj_log_normalizer;
/// // K = 3, η = 1: the volume of the 3 × 3 correlation matrices is π²/2
/// let v = lkj_log_normalizer(3, 1.0f64);
/// assert!((v - (std::f64::consts::PI.powi(2) / 2.0).ln()).abs() < 1e-14);
/// ```
pub fn lkj_log_normalizer<S: Scalar>(k: usize, eta: S) -> S {
    let half = S::cst(0.5);
    let mut acc = S::zero();
    for m in 1..k {
        acc += lbeta(eta + (m - 1) as f64 * 0.5, half) * m as f64;
    }
    acc
}

/// `d ln c_K / dη = Σ_{m=1}^{K−1} m · [ψ(aₘ) − ψ(aₘ + ½)]`, `aₘ = η + (m−1)/2`.
fn log_normalizer_deta<S: Scalar>(k: usize, eta: S) -> S {
    let half = S::cst(0.5);
    let mut acc = S::zero();
    for m in 1..k {
        let a = eta + (m - 1) as f64 * 0.5;
        let (da, _) = lbeta_vjp(a, half, S::zero(), S::one());
        acc += da * m as f64;
    }
    acc
}

/// `K` with `K² = len`, or `usize::MAX` when `len` is not a square (rejected later).
fn square_side(len: usize) -> usize {
    let k = (len as f64).sqrt().round() as usize;
    if k * k == len {
        k
    } else {
        usize::MAX
    }
}

fn valid<S: Scalar>(l: &[S], k: usize, eta: S) -> bool {
    k != usize::MAX
        && l.len() == k * k
        && eta.value() > 0.0
        && eta.is_finite()
        && l.iter()
            .step_by(k + 1)
            .all(|d| d.value() > 0.0 && d.is_finite())
}

fn lkj_lpdf_k<S: Scalar>(l: &[S], k: usize, eta: S) -> S {
    if !valid(l, k, eta) {
        return neg_inf();
    }
    // Σ_{i ≥ 1} (K − i − 3 + 2η) ln Lᵢᵢ with 0-based i (1-based: K − i + 2η − 2).
    let mut acc = S::zero();
    for (i, d) in l.iter().step_by(k + 1).enumerate().skip(1) {
        acc += (eta * 2.0 + (k as f64 - i as f64 - 3.0)) * d.ln();
    }
    acc - lkj_log_normalizer(k, eta)
}

fn lkj_lpdf_vjp_k<S: Scalar>(l: &[S], k: usize, eta: S, _lp: S, lp_bar: S, l_bar: &mut [S]) -> S {
    if !valid(l, k, eta) || l_bar.len() < k * k {
        return S::zero();
    }
    let mut sum_log_diag = S::zero();
    let diag = l.iter().step_by(k + 1).zip(l_bar.iter_mut().step_by(k + 1));
    for (i, (&d, db)) in diag.enumerate().skip(1) {
        *db += lp_bar * (eta * 2.0 + (k as f64 - i as f64 - 3.0)) / d;
        sum_log_diag += d.ln();
    }
    lp_bar * (sum_log_diag * 2.0 - log_normalizer_deta(k, eta))
}

impl Sample for LkjCholesky<f64> {
    /// The Cholesky factor `L`, row-major, `K²` values (zeros above the diagonal).
    type Value = Vec<f64>;

    fn validate(&self) -> Result<()> {
        validation::positive("LkjCholesky", "eta", self.1)?;
        if self.0 == 0 {
            return Err(Error::InvalidParameter {
                distribution: "LkjCholesky",
                parameter: "K",
                value: 0.0,
                requirement: "at least 1",
            });
        }
        Ok(())
    }

    /// Draws `L` directly by the **onion method** (LKJ 2009, §3.2), row by row: row 0 is
    /// `[1]`; row `i ≥ 1` is `(√y · u, √(1 − y))` with `y ~ Beta(i/2, βᵢ)`,
    /// `βᵢ = η + (K−2)/2 − (i−1)/2`, and `u` uniform on the unit sphere of `ℝⁱ`
    /// (normalised standard normals). Each row has unit norm, so `L Lᵀ` is a correlation
    /// matrix, distributed as LKJ(η). (In the onion method the new column of `Ω` is
    /// `L₀..ᵢ w` with `w = √y u`, so `w` itself is the new row of the Cholesky factor.)
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Vec<f64>> {
        self.validate()?;
        let (k, eta) = (self.0, self.1);
        let mut l = vec![0.0; k * k];
        l[0] = 1.0;
        for i in 1..k {
            let beta_i = eta + (k as f64 - 2.0) / 2.0 - (i as f64 - 1.0) / 2.0;
            let beta = Beta::new(i as f64 / 2.0, beta_i).map_err(|_| Error::InvalidParameter {
                distribution: "LkjCholesky",
                parameter: "eta",
                value: eta,
                requirement: "finite and > 0",
            })?;
            let y: f64 = beta.sample(rng);
            let row = &mut l[i * k..i * k + i + 1];
            let mut norm2 = 0.0;
            for v in row[..i].iter_mut() {
                let g: f64 = StandardNormal.sample(rng);
                *v = g;
                norm2 += g * g;
            }
            let scale = (y / norm2).sqrt();
            for v in row[..i].iter_mut() {
                *v *= scale;
            }
            row[i] = (1.0 - y).sqrt();
        }
        Ok(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::distribution_checks::{
        assert_reference, check_moments, json_f64, reference_cases,
    };
    use crate::testing::{check_function, rng_for, Domain, GradientFunction};
    use rand::rngs::StdRng;

    /// `(η, lower triangle of L)` ↦ log density. The density reads only the diagonal,
    /// but every lower entry is an input so the check also proves that the off-diagonal
    /// partials are exactly zero. (Moving a single entry leaves the unit-norm manifold;
    /// the formula, like Stan's, does not depend on that.)
    struct Check {
        k: usize,
        eta: Domain,
    }

    impl Check {
        fn unpack<S: Scalar>(&self, x: &[S]) -> Vec<S> {
            let k = self.k;
            let mut l = vec![S::cst(f64::NAN); k * k];
            let mut it = x[1..].iter();
            for i in 0..k {
                for j in 0..=i {
                    l[i * k + j] = *it.next().unwrap();
                }
            }
            l
        }
        fn is_diag(&self, idx: usize) -> bool {
            idx >= 1 && (0..self.k).any(|i| 1 + i * (i + 3) / 2 == idx)
        }
    }

    impl GradientFunction for Check {
        fn name(&self) -> String {
            format!("lkj_corr_cholesky (K = {}, eta in {:?})", self.k, self.eta)
        }
        fn dim(&self) -> usize {
            1 + self.k * (self.k + 1) / 2
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            // a genuine correlation Cholesky factor from the sampler, packed
            let eta = self.eta.sample(rng);
            let l = LkjCholesky(self.k, 1.5).sample(rng).unwrap();
            let mut x = vec![eta];
            for i in 0..self.k {
                for j in 0..=i {
                    x.push(l[i * self.k + j]);
                }
            }
            x
        }
        fn max_step(&self, x: &[f64], i: usize) -> f64 {
            if i == 0 {
                self.eta.max_step(x[0])
            } else if self.is_diag(i) {
                x[i] / 4.0
            } else {
                f64::INFINITY
            }
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            LkjCholesky(self.k, x[0]).lpdf(&self.unpack(x))
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            let k = self.k;
            let l = self.unpack(x);
            let d = LkjCholesky(k, x[0]);
            let lp = d.lpdf(&l);
            let mut l_bar = vec![S::zero(); k * k];
            grad[0] = d.lpdf_vjp(&l, lp, S::one(), &mut l_bar);
            let mut idx = 1;
            for i in 0..k {
                for j in 0..=i {
                    grad[idx] = l_bar[i * k + j];
                    idx += 1;
                }
            }
            lp
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for k in [1, 2, 3, 4, 6] {
            check_function(&Check {
                k,
                eta: Domain::LogUniform(0.1, 50.0),
            });
        }
        check_function(&Check {
            k: 3,
            eta: Domain::Interval(0.9, 1.1),
        });
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_no_partials() {
        let l = [1.0, 0.0, 0.6, 0.8];
        for (l, eta) in [
            (l, 0.0),
            (l, -1.0),
            (l, f64::NAN),
            (l, f64::INFINITY),
            ([1.0, 0.0, 1.0, 0.0], 2.0),
            ([1.0, 0.0, 0.6, -0.8], 2.0),
            ([1.0, 0.0, 0.6, f64::NAN], 2.0),
        ] {
            assert_eq!(
                LkjCholesky(2, eta).lpdf(&l),
                f64::NEG_INFINITY,
                "{l:?} {eta}"
            );
            let mut l_bar = [0.0; 4];
            let eb = LkjCholesky(2, eta).lpdf_vjp(&l, f64::NEG_INFINITY, 1.0, &mut l_bar);
            assert!(eb == 0.0 && l_bar == [0.0; 4]);
            let ld: Vec<Dual> = l.iter().map(|&v| Dual::new(v, 1.0)).collect();
            let lpd = LkjCholesky(2, Dual::new(eta, 1.0)).lpdf(&ld);
            assert!(lpd.v == f64::NEG_INFINITY && lpd.d == 0.0);
        }
        // wrong lengths: not K², not a square
        assert_eq!(LkjCholesky(3, 1.0).lpdf(&l), f64::NEG_INFINITY);
        assert_eq!(
            lkj_corr_cholesky_lpdf(&[1.0, 0.0, 0.5], 1.0),
            f64::NEG_INFINITY
        );
        // K = 1 and K = 0: density 1 (empty products)
        assert_eq!(LkjCholesky(1, 2.0).lpdf(&[1.0]), 0.0);
        assert_eq!(LkjCholesky::<f64>(0, 2.0).lpdf(&[]), 0.0);
    }

    #[test]
    fn stan_named_function_agrees_with_the_type() {
        let mut rng = rng_for("lkj-stan-named");
        let l = LkjCholesky(4, 0.7).sample(&mut rng).unwrap();
        let lp = lkj_corr_cholesky_lpdf(&l, 2.5);
        assert_eq!(lp, LkjCholesky(4, 2.5).lpdf(&l));
        let (mut a, mut b) = (vec![0.0; 16], vec![0.0; 16]);
        let ea = lkj_corr_cholesky_lpdf_vjp(&l, 2.5, lp, 2.0, &mut a);
        let eb = LkjCholesky(4, 2.5).lpdf_vjp(&l, lp, 1.0, &mut b);
        assert_eq!(ea, 2.0 * eb);
        assert!(a.iter().zip(&b).all(|(a, b)| *a == 2.0 * b));
        assert_eq!(LkjCholesky(4, 2.5).support(), Support::CorrCholesky(4));
    }

    #[test]
    fn density_integrates_to_one_for_k2() {
        // ∫₋₁¹ p(L(r)) dr = 1 with L(r) = [[1, 0], [r, √(1−r²)]] (midpoint rule; the
        // integrand is smooth enough for η ≥ 1 that 2·10⁵ points give ~1e-9).
        for eta in [1.0, 1.5, 4.0] {
            let m = 200_000;
            let h = 2.0 / m as f64;
            let total: f64 = (0..m)
                .map(|j| {
                    let r = -1.0 + (j as f64 + 0.5) * h;
                    LkjCholesky(2, eta)
                        .lpdf(&[1.0, 0.0, r, (1.0 - r * r).sqrt()])
                        .exp()
                })
                .sum::<f64>()
                * h;
            assert!((total - 1.0).abs() < 1e-6, "eta = {eta}: {total}");
        }
    }

    fn vec_of(v: &serde_json::Value) -> Vec<f64> {
        v.as_array().expect("array").iter().map(json_f64).collect()
    }

    #[test]
    fn matches_reference_values() {
        for case in reference_cases("lkj_corr_cholesky") {
            let k = json_f64(&case["K"]) as usize;
            let eta = json_f64(&case["eta"]);
            let l = vec_of(&case["L"]);
            let want = json_f64(&case["value"]);
            let scale = case.get("scale").map_or(1.0, json_f64);
            assert_reference(
                &format!("lkj_corr_cholesky(K = {k}, eta = {eta})"),
                LkjCholesky(k, eta).lpdf(&l),
                want,
                scale,
            );
        }
        for case in reference_cases("lkj_log_normalizer") {
            let k = json_f64(&case["K"]) as usize;
            let eta = json_f64(&case["eta"]);
            let want = json_f64(&case["value"]);
            let scale = case.get("scale").map_or(1.0, json_f64);
            assert_reference(
                &format!("lkj_log_normalizer(K = {k}, eta = {eta})"),
                lkj_log_normalizer(k, eta),
                want,
                scale,
            );
        }
    }

    #[test]
    fn sampler_moments_k2() {
        // K = 2: r = L₁₀ has density ∝ (1 − r²)^(η−1): E r = 0, Var r = 1/(2η + 1).
        for eta in [0.5, 1.0, 3.0, 20.0] {
            let d = LkjCholesky(2, eta);
            check_moments(
                &format!("LkjCholesky(2, {eta})"),
                |rng| d.sample(rng).unwrap()[2],
                0.0,
                1.0 / (2.0 * eta + 1.0),
            );
        }
    }

    #[test]
    fn sampler_moments_k4_and_unit_rows() {
        // Each off-diagonal Ωᵢⱼ is marginally (2·Beta(b, b) − 1), b = η − 1 + K/2:
        // mean 0, variance 1/(2η + K − 1).
        let (k, eta) = (4, 1.5);
        let d = LkjCholesky(k, eta);
        // Ωᵢⱼ of a K × K factor stored row-major
        fn omega(l: &[f64], k: usize, i: usize, j: usize) -> f64 {
            (0..k).map(|m| l[i * k + m] * l[j * k + m]).sum()
        }
        for (i, j) in [(1, 0), (3, 0), (3, 2)] {
            check_moments(
                &format!("LkjCholesky(4, 1.5) Ω[{i}][{j}]"),
                |rng| omega(&d.sample(rng).unwrap(), k, i, j),
                0.0,
                1.0 / (2.0 * eta + k as f64 - 1.0),
            );
        }
        let mut rng = rng_for("lkj-unit-rows");
        for _ in 0..1000 {
            let l = LkjCholesky(6, 0.3).sample(&mut rng).unwrap();
            for i in 0..6 {
                assert!((omega(&l, 6, i, i) - 1.0).abs() < 1e-14);
                assert!(l[i * 6 + i] > 0.0);
                assert!(l[i * 6 + i + 1..(i + 1) * 6].iter().all(|v| *v == 0.0));
            }
        }
    }

    #[test]
    fn sampling_validates_parameters() {
        let mut rng = rng_for("lkj-invalid");
        let e = LkjCholesky(3, 0.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            e.to_string(),
            "LkjCholesky: parameter `eta` = 0 but it must be finite and > 0"
        );
        assert!(LkjCholesky(0, 1.0).sample(&mut rng).is_err());
        assert_eq!(LkjCholesky(1, 1.0).sample(&mut rng).unwrap(), vec![1.0]);
    }
}
