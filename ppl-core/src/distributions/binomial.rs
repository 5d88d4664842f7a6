//! The Binomial and BinomialLogit distributions: successes in `n` trials with success
//! probability `theta`, or with success log-odds `alpha`.
//!
//! # The trial count is data
//!
//! `n` is an integer (`i64`, or `&[i64]`/`&[usize]` when broadcasting), not a [`Scalar`]:
//! it has no derivative. So these types are declared by hand rather than with
//! [`discrete_distribution!`](crate::discrete_distribution):
//!
//! * [`Params`] lists only the differentiable parameter (`PARAM_NAMES = ["theta"]` /
//!   `["alpha"]`). The partials returned by `lpmf_grad` are packed as `Binomial(0, dθ)`:
//!   the count slot of a packing of partials is always `0`, and `from_params` (which
//!   builds such packings) sets it to `0`.
//! * Broadcasting takes any [`IntArg`] for `n`; the adjoint sinks are
//!   `Binomial(NoAdjoint, theta_sink)` (whatever is in the count slot is ignored).
//! * The Stan-named functions take `n` as `i64`: `binomial_lpmf(k, n, theta)`, and
//!   `binomial_lpmf_vjp(k, n, theta, lp, lp_bar) -> (theta_bar,)`.
//! * There is no [`DiscreteFamily`](crate::distributions::DiscreteFamily) marker: a family is
//!   built from its parameters alone, and these distributions need `n` as well.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::poisson::{log1pmx_or, stirlerr};
use crate::distributions::{
    validation, Adjoint, AdjointSinks, Arg, Broadcast, DiscreteDistribution, IntArg, Params, Sample,
};
use crate::error::{Error, Result};
use crate::math::{inv_logit, log1p_exp, ScalarMath};
use rand::Rng;
use rand_distr::Distribution as _;

/// Binomial distribution: successes in `n` trials with success probability `theta`
/// (Stan's `binomial`).
///
/// # Formula
///
/// ```text
/// log P(k | n, θ) = ln C(n, k) + k ln θ + (n-k) ln(1-θ)
/// ∂/∂θ = k/θ - (n-k)/(1-θ)
/// ```
///
/// For `0 < k < n` the terms are each of size `n ln n` for large `n` while the log mass
/// is of size `ln n`, so it is computed in Loader's saddle-point form
///
/// ```text
/// log P = δ(n) - δ(k) - δ(n-k) - ½ ln(2π k(n-k)/n) + k·log1pmx(d/k) + (n-k)·log1pmx(-d/(n-k))
/// d    = nθ - k
/// ```
///
/// (`δ` the Stirling remainder, `log1pmx(t) = ln(1+t) - t`; see
/// [`Poisson`](crate::distributions::Poisson)), accurate to a few ulps for any `n`. The
/// residual `d` is computed without cancellation (`θ` split so that `n·θ_hi` is exact),
/// and the partial is evaluated as `-d/(θ(1-θ))` from the same `d`.
/// `k = 0` is `n ln(1-θ)` (via `ln_1p`) and `k = n` is `n ln θ`.
///
/// Support: `k ∈ {0, ..., n}`. Parameters: `n ≥ 0` an integer count (data: see the module
/// docs), `theta ∈ [0, 1]` (a probability; for log-odds see [`BinomialLogit`]). At
/// `θ = 0` or `1` the partial is one-sided. `k` outside `0..=n`, `n < 0`, `θ` outside
/// `[0, 1]` or NaN, or an outcome of probability zero (`k > 0` at `θ = 0`, `k < n` at
/// `θ = 1`) give `-∞` with a zero partial.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when `n < 0` or `theta` is
/// not in `[0, 1]`.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{binomial_lpmf, Binomial, DiscreteDistribution};
/// // C(4, 1) · 0.5⁴ = 1/4.
/// assert!((Binomial(4, 0.5).lpmf(1) - 0.25f64.ln()).abs() < 1e-15);
/// let (_, Binomial(_, dtheta)) = Binomial(4, 0.5).lpmf_grad(1);
/// assert!((dtheta - (1.0 / 0.5 - 3.0 / 0.5)).abs() < 1e-14);
/// assert_eq!(binomial_lpmf(5, 4, 0.5), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Binomial<N, P>(pub N, pub P);

/// Binomial distribution with success log-odds `alpha` (Stan's `binomial_logit`):
/// `Binomial(n, inv_logit(alpha))` without forming `1 - θ`.
///
/// # Formula
///
/// ```text
/// log P(k | n, α) = ln C(n, k) - k·log1p_exp(-α) - (n-k)·log1p_exp(α)
/// ∂/∂α = k·inv_logit(-α) - (n-k)·inv_logit(α)        (= k - n·inv_logit(α))
/// ```
///
/// evaluated as [`Binomial`]'s (saddle-point form for `0 < k < n`) with `θ = inv_logit(α)`,
/// `1 - θ = inv_logit(-α)`, `ln θ = -log1p_exp(-α)` and `ln(1-θ) = -log1p_exp(α)` each
/// computed directly, so `α` far in either tail loses nothing; the residual `k - nθ`
/// (the partial) is formed from the smaller of `θ`, `1 - θ`.
///
/// Support: `k ∈ {0, ..., n}`. Parameters: `n ≥ 0` integer (data), `alpha` finite
/// (log-odds). `k` outside `0..=n`, `n < 0` or a non-finite `alpha` give `-∞` with a zero
/// partial.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when `n < 0` or `alpha` is
/// not finite.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{binomial_logit_lpmf, Binomial, BinomialLogit, DiscreteDistribution};
/// let lp = BinomialLogit(10, 0.3).lpmf(6);
/// let theta = 1.0 / (1.0 + (-0.3f64).exp());
/// assert!((lp - Binomial(10, theta).lpmf(6)).abs() < 1e-14);
/// // All successes at log-odds 40: ln θ¹⁰ = -10·ln(1 + e⁻⁴⁰), not rounded to 0.
/// assert!((binomial_logit_lpmf(10, 10, 40.0) + 10.0 * (-40f64).exp()).abs() < 1e-30);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BinomialLogit<N, A>(pub N, pub A);

macro_rules! binomial_plumbing {
    ($ty:ident, $name:literal, $p:ident, $lpmf:ident, $vjp:ident, $doc_p:literal) => {
        impl<S: Scalar> Params<S> for $ty<i64, S> {
            const NAME: &'static str = $name;
            const PARAM_NAMES: &'static [&'static str] = &[stringify!($p)];
            /// Builds `(0, p[0])`: the packing of partials (the count slot is 0).
            #[inline]
            fn from_params(p: &[S]) -> Self {
                $ty(0, p.first().copied().unwrap_or_default())
            }
            #[inline]
            fn write_params(&self, out: &mut [S]) {
                out[0] = self.1;
            }
        }

        impl<S: Scalar, N: IntArg, A: Arg<S>> Broadcast<S> for $ty<N, A> {
            type Element = $ty<i64, S>;
            fn visit_lens(&self, f: &mut dyn FnMut(&'static str, Option<usize>)) {
                f("n", self.0.arg_len());
                f(stringify!($p), self.1.arg_len());
            }
            #[inline(always)]
            fn element(&self, i: usize) -> Self::Element {
                $ty(self.0.at(i), self.1.at(i))
            }
        }

        /// Adjoint sinks: the count slot (data) is ignored, e.g. `NoAdjoint`.
        impl<S: Scalar, NB, PB: Adjoint<S>> AdjointSinks<S, $ty<i64, S>> for $ty<NB, PB> {
            #[inline(always)]
            fn add(&mut self, i: usize, g: &$ty<i64, S>) {
                self.1.add(i, g.1);
            }
        }

        #[doc = concat!("`log P(k | n, ", $doc_p, ")` of [`", stringify!($ty), "`] (Stan's `", stringify!($lpmf), "`).")]
        #[inline]
        pub fn $lpmf<S: Scalar>(k: i64, n: i64, $p: S) -> S {
            $ty(n, $p).lpmf(k)
        }

        #[doc = concat!("Reverse rule of [`", stringify!($lpmf), "`]: `(lp_bar · ∂/∂", $doc_p, ",)` (`n` is data).")]
        #[inline]
        pub fn $vjp<S: Scalar>(k: i64, n: i64, $p: S, _lp: S, lp_bar: S) -> (S,) {
            let (_, $ty(_, d)) = $ty(n, $p).lpmf_grad(k);
            (d * lp_bar,)
        }
    };
}

binomial_plumbing!(
    Binomial,
    "Binomial",
    theta,
    binomial_lpmf,
    binomial_lpmf_vjp,
    "θ"
);
binomial_plumbing!(
    BinomialLogit,
    "BinomialLogit",
    alpha,
    binomial_logit_lpmf,
    binomial_logit_lpmf_vjp,
    "α"
);

/// `log P(k | n, θ)` for `0 < k < n`, `0 < θ < 1`, given `t = nθ/k - 1` and
/// `u = n(1-θ)/(n-k) - 1` (each to full relative accuracy) and, lazily, `ln(1+t)` and
/// `ln(1+u)` (needed only away from the mode).
#[inline]
fn binomial_saddle_point<S: Scalar>(
    k: i64,
    n: i64,
    t: S,
    u: S,
    ln1p_t: impl FnOnce() -> S,
    ln1p_u: impl FnOnce() -> S,
) -> S {
    let (kf, nf, rf) = (k as f64, n as f64, (n - k) as f64);
    let constant =
        stirlerr(nf) - stirlerr(kf) - stirlerr(rf) - (HALF_LN_2PI + (kf * (rf / nf)).ln() * 0.5);
    log1pmx_or(t, ln1p_t) * kf + log1pmx_or(u, ln1p_u) * rf + constant
}

/// `nθ - k` without cancellation near the mode: `θ = θ_hi + θ_lo` (Veltkamp split) with
/// `θ_hi` short enough that `n·θ_hi` is exact, so `(n·θ_hi - k) + n·θ_lo` rounds only at
/// the end. (For `n ≥ 2⁵²` the product is rounded directly.) The tangent is `n dθ`.
#[inline]
fn count_residual<S: Scalar>(n: i64, k: i64, theta: S) -> S {
    let (nf, kf) = (n as f64, k as f64);
    let bits = 64 - n.unsigned_abs().leading_zeros();
    if bits >= 52 {
        return theta * nf - kf;
    }
    // Keeps the top 53 - bits significant bits of θ ∈ (0, 1).
    let th = theta.value();
    let c = th * (2f64.powi(bits as i32) + 1.0);
    let hi = c - (c - th);
    (theta - hi) * nf + (nf * hi - kf)
}

impl<S: Scalar> DiscreteDistribution<S> for Binomial<i64, S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let Binomial(n, theta) = *self;
        let th = theta.value();
        if !(0 <= k && k <= n && (0.0..=1.0).contains(&th)) {
            return neg_inf();
        }
        if n == 0 {
            S::zero()
        } else if k == 0 {
            if th == 1.0 {
                neg_inf()
            } else {
                (-theta).ln_1p() * n as f64
            }
        } else if k == n {
            if th == 0.0 {
                neg_inf()
            } else {
                theta.ln() * n as f64
            }
        } else if th == 0.0 || th == 1.0 {
            neg_inf()
        } else {
            let d = count_residual(n, k, theta);
            let (n_over_k, n_over_r) = (n as f64 / k as f64, n as f64 / (n - k) as f64);
            binomial_saddle_point(
                k,
                n,
                d / k as f64,
                -d / (n - k) as f64,
                || {
                    let ratio = theta * n_over_k;
                    if ratio.value().is_normal() {
                        ratio.ln()
                    } else {
                        theta.ln() + n_over_k.ln()
                    }
                },
                || {
                    let ratio = (-theta + 1.0) * n_over_r;
                    if ratio.value().is_normal() {
                        ratio.ln()
                    } else {
                        (-theta).ln_1p() + n_over_r.ln()
                    }
                },
            )
        }
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let lp = self.lpmf(k);
        if !lp.is_finite() {
            return (neg_inf(), Binomial(0, S::zero()));
        }
        let Binomial(n, theta) = *self;
        let d = if n == 0 {
            S::zero()
        } else if k == 0 {
            -(S::cst(n as f64) / (-theta + 1.0))
        } else if k == n {
            S::cst(n as f64) / theta
        } else {
            // (k - nθ)/(θ(1-θ)), the residual as in the log mass.
            -(count_residual(n, k, theta) / (theta * (-theta + 1.0)))
        };
        (lp, Binomial(0, d))
    }
}

impl<S: Scalar> DiscreteDistribution<S> for BinomialLogit<i64, S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let BinomialLogit(n, alpha) = *self;
        if !(0 <= k && k <= n && alpha.is_finite()) {
            return neg_inf();
        }
        if n == 0 {
            S::zero()
        } else if k == 0 {
            -log1p_exp(alpha) * n as f64
        } else if k == n {
            -log1p_exp(-alpha) * n as f64
        } else {
            let (n_over_k, n_over_r) = (n as f64 / k as f64, n as f64 / (n - k) as f64);
            let (theta, one_minus_theta) = (inv_logit(alpha), inv_logit(-alpha));
            let (ratio_t, ratio_u) = (theta * n_over_k, one_minus_theta * n_over_r);
            let d = logit_residual(k, n, alpha, theta, one_minus_theta);
            binomial_saddle_point(
                k,
                n,
                d / k as f64,
                -d / (n - k) as f64,
                || {
                    if ratio_t.value().is_normal() {
                        ratio_t.ln()
                    } else {
                        -log1p_exp(-alpha) + n_over_k.ln()
                    }
                },
                || {
                    if ratio_u.value().is_normal() {
                        ratio_u.ln()
                    } else {
                        -log1p_exp(alpha) + n_over_r.ln()
                    }
                },
            )
        }
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let BinomialLogit(n, alpha) = *self;
        if !(0 <= k && k <= n && alpha.is_finite()) {
            return (neg_inf(), BinomialLogit(0, S::zero()));
        }
        let lp = self.lpmf(k);
        let d = if n == 0 {
            S::zero()
        } else if k == 0 {
            -(inv_logit(alpha) * n as f64)
        } else if k == n {
            inv_logit(-alpha) * n as f64
        } else {
            -logit_residual(k, n, alpha, inv_logit(alpha), inv_logit(-alpha))
        };
        (lp, BinomialLogit(0, d))
    }
}

/// `nθ - k` for `θ = inv_logit(α)` (given with `1 - θ = inv_logit(-α)`), from whichever
/// of the two is at most ½ (so it carries full relative accuracy):
/// `nθ - k = -(n(1-θ) - (n-k))`.
#[inline]
fn logit_residual<S: Scalar>(k: i64, n: i64, alpha: S, theta: S, one_minus_theta: S) -> S {
    if alpha.value() <= 0.0 {
        count_residual(n, k, theta)
    } else {
        -count_residual(n, n - k, one_minus_theta)
    }
}

/// `n ≥ 0`, naming the distribution.
fn check_trials(distribution: &'static str, n: i64) -> Result<()> {
    if n >= 0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            distribution,
            parameter: "n",
            value: n as f64,
            requirement: ">= 0",
        })
    }
}

/// One binomial draw for validated `n ≥ 0`, `θ ∈ [0, 1]`.
fn draw_binomial<R: Rng + ?Sized>(rng: &mut R, n: i64, theta: f64) -> i64 {
    match rand_distr::Binomial::new(n as u64, theta) {
        Ok(d) => d.sample(rng) as i64,
        // Unreachable for validated parameters (rand_distr only rejects θ ∉ [0, 1]).
        Err(_) => 0,
    }
}

impl Sample for Binomial<i64, f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        check_trials("Binomial", self.0)?;
        validation::probability("Binomial", "theta", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        Ok(draw_binomial(rng, self.0, self.1))
    }
}

impl Sample for BinomialLogit<i64, f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        check_trials("BinomialLogit", self.0)?;
        validation::finite("BinomialLogit", "alpha", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        Ok(draw_binomial(rng, self.0, inv_logit(self.1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributions::{lpmf_sum, lpmf_sum_vjp, NoAdjoint};
    use crate::math::lchoose;
    use crate::testing::distribution_checks::*;
    use crate::testing::{check_function, Domain, GradientFunction};
    use rand::rngs::StdRng;

    /// `θ ↦ log P(k | n, θ)` (or of `α`) at fixed data `(n, k)`.
    struct Check {
        n: i64,
        k: i64,
        logit: bool,
        domain: Domain,
    }

    impl GradientFunction for Check {
        fn name(&self) -> String {
            let which = if self.logit {
                "BinomialLogit"
            } else {
                "Binomial"
            };
            format!("{which}(n = {}) at k = {}", self.n, self.k)
        }
        fn dim(&self) -> usize {
            1
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            vec![self.domain.sample(rng)]
        }
        fn max_step(&self, x: &[f64], _i: usize) -> f64 {
            self.domain.max_step(x[0])
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            if self.logit {
                BinomialLogit(self.n, x[0]).lpmf(self.k)
            } else {
                Binomial(self.n, x[0]).lpmf(self.k)
            }
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            let (lp, d) = if self.logit {
                let (lp, BinomialLogit(_, d)) = BinomialLogit(self.n, x[0]).lpmf_grad(self.k);
                (lp, d)
            } else {
                let (lp, Binomial(_, d)) = Binomial(self.n, x[0]).lpmf_grad(self.k);
                (lp, d)
            };
            grad[0] = d;
            lp
        }
    }

    fn check(logit: bool, cases: &[(i64, i64)], domain: Domain) {
        for &(n, k) in cases {
            check_function(&Check {
                n,
                k,
                logit,
                domain,
            });
        }
    }

    const CASES: [(i64, i64); 8] = [
        (1, 0),
        (1, 1),
        (7, 0),
        (7, 3),
        (7, 7),
        (40, 13),
        (1000, 999),
        (5000, 1200),
    ];

    #[test]
    fn gradients_match_finite_differences() {
        check(false, &CASES, Domain::Interval(0.0, 1.0));
        check(
            false,
            &[(10, 1), (10, 0), (10_000, 3)],
            Domain::LogUniform(1e-9, 1e-2),
        );
        // Near θ = 1 (not at it: the finite-difference stencil around x needs steps well
        // above ulp(1); the last 0.1% is covered by the reference table and BinomialLogit).
        check(
            false,
            &[(10, 9), (10, 10), (10_000, 9990)],
            Domain::Interval(0.99, 0.999),
        );
        let big = 1_000_000_000;
        check(false, &[(big, big / 3)], Domain::Interval(0.333, 0.334));
    }

    #[test]
    fn logit_gradients_match_finite_differences() {
        check(true, &CASES, Domain::Interval(-8.0, 8.0));
        check(
            true,
            &[(10, 0), (10, 4), (10, 10), (300, 2)],
            Domain::Interval(-700.0, 700.0),
        );
        // Huge n around the mode ln(1/3) ≈ -1.0986.
        let big = 1_000_000_000;
        check(true, &[(big, big / 4)], Domain::Interval(-1.2, -1.0));
        check(true, &[(big, big - 3)], Domain::Interval(18.0, 22.0));
    }

    #[test]
    fn agrees_with_lchoose_where_it_is_well_conditioned() {
        for (n, k) in [(3i64, 1i64), (12, 5), (30, 29), (60, 20)] {
            for theta in [0.01, 0.3, 0.5, 0.93] {
                let (nf, kf) = (n as f64, k as f64);
                let direct = lchoose(nf, kf) + kf * f64::ln(theta) + (nf - kf) * f64::ln_1p(-theta);
                let got = Binomial(n, theta).lpmf(k);
                assert!(
                    (got - direct).abs() < 1e-13 * direct.abs().max(10.0),
                    "Binomial({n}, {theta}) at {k}: {got} vs {direct}"
                );
                let alpha = (theta / (1.0 - theta)).ln();
                let logit = BinomialLogit(n, alpha).lpmf(k);
                assert!((logit - got).abs() < 1e-13 * got.abs().max(10.0));
            }
        }
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        let cases: &[(i64, f64, i64)] = &[
            (5, 0.5, -1),
            (5, 0.5, 6),
            (-1, 0.5, 0),
            (5, -0.1, 2),
            (5, 1.1, 2),
            (5, f64::NAN, 2),
            (5, 0.0, 2),
            (5, 1.0, 2),
            (5, 0.0, 5),
            (5, 1.0, 0),
        ];
        for &(n, theta, k) in cases {
            assert_eq!(
                Binomial(n, theta).lpmf(k),
                f64::NEG_INFINITY,
                "{n} {theta} {k}"
            );
            assert_eq!(
                Binomial(n, theta).lpmf_grad(k),
                (f64::NEG_INFINITY, Binomial(0, 0.0))
            );
            let d = Binomial(n, crate::ad::Dual::new(theta, 1.0)).lpmf(k);
            assert_eq!((d.v, d.d), (f64::NEG_INFINITY, 0.0));
        }
        for &(n, alpha, k) in &[
            (5, 0.5, -1),
            (5, 0.5, 6),
            (-1, 0.5, 0),
            (5, f64::NAN, 2),
            (5, f64::INFINITY, 5),
            (5, f64::NEG_INFINITY, 0),
        ] {
            assert_eq!(BinomialLogit(n, alpha).lpmf(k), f64::NEG_INFINITY);
            let (lp, BinomialLogit(_, d)) = BinomialLogit(n, alpha).lpmf_grad(k);
            assert_eq!((lp, d), (f64::NEG_INFINITY, 0.0));
        }
        let mut rng = crate::testing::rng_for("binomial-invalid");
        let err = Binomial(-3, 0.5).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Binomial: parameter `n` = -3 but it must be >= 0"
        );
        let err = Binomial(3, 2.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Binomial: parameter `theta` = 2 but it must be in [0, 1]"
        );
        assert!(BinomialLogit(3, f64::NAN).sample(&mut rng).is_err());
        assert!(BinomialLogit(-1, 0.0).sample(&mut rng).is_err());
    }

    #[test]
    fn edges_are_exact() {
        assert_eq!(Binomial(0, 0.3).lpmf_grad(0), (0.0, Binomial(0, 0.0)));
        assert_eq!(Binomial(0, 1.0).lpmf(0), 0.0);
        assert_eq!(Binomial(4, 0.0).lpmf_grad(0), (0.0, Binomial(0, -4.0)));
        assert_eq!(Binomial(4, 1.0).lpmf_grad(4), (0.0, Binomial(0, 4.0)));
        assert_eq!(
            BinomialLogit(0, 3.0).lpmf_grad(0),
            (0.0, BinomialLogit(0, 0.0))
        );
        assert_eq!(BinomialLogit(3, -800.0).lpmf(3), -2400.0);
        assert_eq!(BinomialLogit(3, -800.0).lpmf(0), 0.0);
        assert!(BinomialLogit(3, -800.0).lpmf(1).is_finite());
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("binomial", |p, k| {
            Binomial(p[0] as i64, p[1]).lpmf(k as i64)
        });
        check_reference_table("binomial_logit", |p, k| {
            BinomialLogit(p[0] as i64, p[1]).lpmf(k as i64)
        });
    }

    #[test]
    fn broadcasting_takes_integer_counts_and_skips_their_adjoints() {
        let n = [3i64, 10, 10];
        let k = [1i64, 0, 7];
        let theta = [0.2, 0.5, 0.9];
        let d = Binomial(&n[..], &theta[..]);
        let total: f64 = lpmf_sum(&d, &k[..]).unwrap();
        let expect: f64 = (0..3).map(|i| Binomial(n[i], theta[i]).lpmf(k[i])).sum();
        assert!((total - expect).abs() < 1e-14);
        let mut theta_bar = [0.0; 3];
        let mut sinks = Binomial(NoAdjoint, &mut theta_bar[..]);
        lpmf_sum_vjp(&d, &k[..], 2.0, &mut sinks).unwrap();
        for i in 0..3 {
            let (_, Binomial(_, g)) = Binomial(n[i], theta[i]).lpmf_grad(k[i]);
            assert_eq!(theta_bar[i], 2.0 * g);
        }
        // A scalar probability against counts given as usize, adjoint summed.
        let nu = [4usize, 4];
        let mut tb = 0.0;
        let d = BinomialLogit(&nu[..], 0.1);
        lpmf_sum_vjp(
            &d,
            &[1i64, 3][..],
            1.0,
            &mut BinomialLogit(NoAdjoint, &mut tb),
        )
        .unwrap();
        let want = 4.0 - 8.0 * inv_logit(0.1);
        assert!((tb - want).abs() < 1e-14);
        let err = lpmf_sum::<f64, _, _>(&Binomial(&n[..2], 0.5), &k[..]).unwrap_err();
        assert!(err.to_string().contains("`n`"), "{err}");
    }

    #[test]
    fn sampler_moments() {
        for (n, theta) in [
            (10i64, 0.3),
            (1, 0.4),
            (1_000_000, 0.01),
            (5, 1.0),
            (0, 0.4),
        ] {
            let d = Binomial(n, theta);
            let nf = n as f64;
            check_moments(
                &format!("Binomial({n}, {theta})"),
                |rng| d.sample(rng).unwrap() as f64,
                nf * theta,
                nf * theta * (1.0 - theta),
            );
        }
        let d = BinomialLogit(20, -0.4);
        let p = inv_logit(-0.4);
        check_moments(
            "BinomialLogit",
            |rng| d.sample(rng).unwrap() as f64,
            20.0 * p,
            20.0 * p * (1.0 - p),
        );
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = binomial_lpmf(3, 8, 0.45);
        let (dtheta,) = binomial_lpmf_vjp(3, 8, 0.45, lp, 2.0);
        let (_, Binomial(_, g)) = Binomial(8, 0.45).lpmf_grad(3);
        assert_eq!(lp, Binomial(8, 0.45).lpmf(3));
        assert_eq!(dtheta, 2.0 * g);
        let lp = binomial_logit_lpmf(3, 8, -0.2);
        let (dalpha,) = binomial_logit_lpmf_vjp(3, 8, -0.2, lp, 2.0);
        let (_, BinomialLogit(_, g)) = BinomialLogit(8, -0.2).lpmf_grad(3);
        assert_eq!(lp, BinomialLogit(8, -0.2).lpmf(3));
        assert_eq!(dalpha, 2.0 * g);
        // Chain rule: ∂/∂α = θ(1-θ) ∂/∂θ.
        let theta = inv_logit(-0.2);
        let (_, Binomial(_, gt)) = Binomial(8, theta).lpmf_grad(3);
        assert!((g - theta * (1.0 - theta) * gt).abs() < 1e-14);
        assert_eq!(<Binomial<i64, f64> as Params<f64>>::PARAM_NAMES, &["theta"]);
    }
}
