//! The gamma distribution `Gamma(alpha, beta)` (shape, **rate**; Stan's `gamma`), and the
//! cancellation-free "gamma kernel" it shares with `InverseGamma`, `ChiSquare` and `Beta`.
//!
//! # The gamma kernel
//!
//! Gamma, inverse gamma and chi-square log densities all reduce to
//!
//! ```text
//! K(α, x) = α ln x - x - ln Γ(α),      log p = K(α, x) - ln y
//! ∂K/∂α = ln x - ψ(α)                  ∂K/∂x = α/x - 1
//! ```
//!
//! with `x = βy` (gamma), `x = β/y` (inverse gamma) or `x = y/2`, `α = ν/2` (chi-square).
//! For a large shape the three terms are each of size `α ln α` while `K` near the mode is
//! of size `ln α`: evaluated as written, `1e6 · ε` of absolute error at `α = 1e6`. For
//! `α ≥ STIRLING_MIN` the kernel is instead written with Stirling's series
//! `ln Γ(α) = (α - ½) ln α - α + ½ ln 2π + δ(α)`:
//!
//! ```text
//! K(α, x) = -D(α, x) + ½ ln α - ½ ln 2π - δ(α),     D(α, x) = x - α - α ln(x/α) ≥ 0
//! ∂K/∂α   = ln(x/α) + 1/(2α) - δ'(α)
//! ```
//!
//! `D` (the "deviance" of Loader's saddle-point method) is evaluated without cancellation:
//! for `|x - α| ≤ α/2`, with `v = (x - α)/(x + α)`, `D = (x - α) v - 2α Σₖ≥₁ v²ᵏ⁺¹/(2k+1)`
//! (a series in `v² ≤ 1/9` whose leading term dominates); otherwise directly, where no
//! large terms cancel. `δ(α) = Σₖ B₂ₖ/(2k(2k-1) α²ᵏ⁻¹)` (8 terms, truncation below `1e-17`
//! relative for `α ≥ 10`).
//!
//! # References
//!
//! C. Loader (2000), *Fast and accurate computation of binomial probabilities*.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::{validation, ContinuousDistribution, Needed, Sample};
use crate::error::{Error, Result};
use crate::math::{digamma, lgamma, ScalarMath};
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Shapes from which the Stirling form of the gamma kernel is used.
pub(crate) const STIRLING_MIN: f64 = 10.0;

/// `B₂ₖ/(2k(2k-1))`, k = 1..8: the coefficients of `δ(α) = Σ c_k α^(1-2k)`.
const STIRLING_DELTA: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360_360.0,
    1.0 / 156.0,
    -3617.0 / 122_400.0,
];

/// `δ(a) = ln Γ(a) - [(a - ½) ln a - a + ½ ln 2π]` for `a ≥ STIRLING_MIN` (generic, so its
/// derivative on `Dual` is `δ'`).
#[inline]
pub(crate) fn stirling_delta<S: Scalar>(a: S) -> S {
    let r = a.recip();
    let r2 = r * r;
    let mut p = S::cst(STIRLING_DELTA[7]);
    for &c in STIRLING_DELTA[..7].iter().rev() {
        p = p * r2 + c;
    }
    p * r
}

/// `δ'(a) = Σ -(2k-1) c_k a^(-2k)` for `a ≥ STIRLING_MIN`.
#[inline]
pub(crate) fn stirling_delta_deriv<S: Scalar>(a: S) -> S {
    let r = a.recip();
    let r2 = r * r;
    let mut p = S::cst(-15.0 * STIRLING_DELTA[7]);
    for (k, &c) in STIRLING_DELTA[..7].iter().enumerate().rev() {
        p = p * r2 - c * (2 * k + 1) as f64;
    }
    p * r2
}

/// `ln x` where `x` is the rounded product or quotient of terms whose logarithms sum to
/// `ln_parts`: `x.ln()` when `x` is a normal float (one rounding), else `ln_parts` (so an
/// under- or overflowed `x` still has the right logarithm).
#[inline(always)]
pub(crate) fn ln_checked<S: Scalar>(x: S, ln_parts: impl FnOnce() -> S) -> S {
    if x.value().is_normal() && x.is_finite() {
        x.ln()
    } else {
        ln_parts()
    }
}

/// `ln(x/a)` accurate also for `x ≈ a` (`ln_x = ln x`).
#[inline]
pub(crate) fn ln_ratio<S: Scalar>(a: S, x: S, ln_x: S) -> S {
    let d = x - a;
    if d.value().abs() <= 0.5 * a.value() {
        (d / a).ln_1p()
    } else {
        ln_x - a.ln()
    }
}

/// `D(a, x) = x - a - a ln(x/a) ≥ 0` without cancellation (`ln_x = ln x`; see the module docs).
#[inline]
pub(crate) fn deviance<S: Scalar>(a: S, x: S, ln_x: S) -> S {
    let d = x - a;
    if d.value().abs() <= 0.5 * a.value() {
        let v = d / (x + a);
        let v2 = v * v;
        let mut term = v * v2;
        let mut sum = term / 3.0;
        for k in 2..64 {
            term *= v2;
            let t = term / (2 * k + 1) as f64;
            sum += t;
            if t.value().abs() <= 1e-18 * sum.value().abs() {
                break;
            }
        }
        d * v - a * sum * 2.0
    } else {
        d - a * (ln_x - a.ln())
    }
}

/// The gamma kernel `K(α, x) = α ln x - x - ln Γ(α)` (`ln_x = ln x`; see the module docs).
#[inline]
pub(crate) fn gamma_kernel<S: Scalar>(alpha: S, x: S, ln_x: S) -> S {
    if alpha.value() >= STIRLING_MIN {
        -deviance(alpha, x, ln_x) + alpha.ln() * 0.5 - HALF_LN_2PI - stirling_delta(alpha)
    } else {
        alpha * ln_x - x - lgamma(alpha)
    }
}

/// `∂K/∂α = ln x - ψ(α)` (see the module docs).
#[inline]
pub(crate) fn gamma_kernel_dalpha<S: Scalar>(alpha: S, x: S, ln_x: S) -> S {
    if alpha.value() >= STIRLING_MIN {
        ln_ratio(alpha, x, ln_x) + (alpha * 2.0).recip() - stirling_delta_deriv(alpha)
    } else {
        ln_x - digamma(alpha)
    }
}

/// `lp` if finite, else `-∞` with a zero tangent (a density that underflows to `0`, e.g.
/// when `βy` overflows, must not carry an infinite or NaN derivative).
#[inline(always)]
pub(crate) fn finite_or_neg_inf<S: Scalar>(lp: S) -> S {
    if lp.is_finite() {
        lp
    } else {
        neg_inf()
    }
}

/// `true` for a finite, strictly positive value.
#[inline(always)]
pub(crate) fn pos<S: Scalar>(x: S) -> bool {
    x.value() > 0.0 && x.is_finite()
}

/// Gamma distribution with **shape** `alpha` and **rate** `beta` (mean `α/β`; Stan's
/// `gamma(alpha, beta)`; scipy's `gamma(a = α, scale = 1/β)`).
///
/// # Formula
///
/// ```text
/// log p(y | α, β) = α ln β - ln Γ(α) + (α - 1) ln y - β y
///                 = K(α, βy) - ln y                    (K: the gamma kernel, module docs)
/// ∂/∂y = (α - 1)/y - β     ∂/∂α = ln(βy) - ψ(α)     ∂/∂β = α/β - y
/// ```
///
/// Evaluated through the gamma kernel, so huge shapes lose no digits to cancellation.
///
/// Support: `(0, ∞)`. Parameters: `alpha > 0`, `beta > 0`, both finite. Invalid
/// parameters, `y ≤ 0` (at `0` the density is `0`, `β` or `∞` depending on `α`; it is
/// treated as outside the open support) or a non-finite `y` give `-∞` with zero partials,
/// as does a density that underflows to `0`.
///
/// # Errors
///
/// Drawing with an invalid parameter is an [`Error::InvalidParameter`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{gamma_lpdf, ContinuousDistribution, Gamma};
/// // Gamma(1, β) is the exponential distribution with rate β.
/// let lp = Gamma(1.0, 2.0).lpdf(0.5);
/// assert!((lp - (2f64.ln() - 1.0)).abs() < 1e-15);
/// assert_eq!(gamma_lpdf(0.5, 1.0, 2.0), lp);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gamma<A, B>(pub A, pub B);

crate::continuous_distribution!(Gamma, gamma_lpdf, gamma_lpdf_vjp, [alpha: A, beta: B]);

/// `(x, ln x, ln y)` with `x = βy`, or `None` outside the domain; `ln y` is `known_ln_y`
/// when given.
#[inline(always)]
fn gamma_pieces<S: Scalar>(alpha: S, beta: S, y: S, known_ln_y: Option<S>) -> Option<(S, S, S)> {
    if !(pos(alpha) && pos(beta) && pos(y)) {
        return None;
    }
    let ln_y = known_ln_y.unwrap_or_else(|| y.ln());
    let x = beta * y;
    let ln_x = ln_checked(x, || beta.ln() + ln_y);
    Some((x, ln_x, ln_y))
}

impl<S: Scalar> ContinuousDistribution<S> for Gamma<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Gamma(alpha, beta) = *self;
        match gamma_pieces(alpha, beta, y, None) {
            Some((x, ln_x, ln_y)) => finite_or_neg_inf(gamma_kernel(alpha, x, ln_x) - ln_y),
            None => neg_inf(),
        }
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        self.lpdf_grad_with(y, true, None)
    }

    /// Skips `∂/∂α` (a digamma, or Stirling's derivative) when the shape is data; with
    /// [`Needed::NO_CONSTANT`] and a data shape below the Stirling threshold, also leaves
    /// out `-ln Γ(α)` and, for a data rate, `α ln β` (see [`Self::lpdf_constant`]).
    #[inline]
    fn lpdf_grad_needed(&self, y: S, need: Needed) -> (S, S, Self) {
        self.lpdf_grad_known_ln(y, None, need)
    }

    /// Takes `ln y` as given: below the Stirling threshold with a data shape and
    /// [`Needed::NO_CONSTANT`], and a data rate, no logarithm at all.
    #[inline]
    fn lpdf_grad_ln(&self, y: S, ln_y: S, need: Needed) -> (S, S, Self) {
        self.lpdf_grad_known_ln(y, Some(ln_y), need)
    }

    /// `-ln Γ(α)` when `α` is data (its partial not needed), valid and below
    /// [`STIRLING_MIN`] (where the density is `α ln β + (α - 1) ln y - βy - ln Γ(α)` term
    /// by term; above it the Stirling form keeps `ln Γ(α)` inside a cancelling difference,
    /// and nothing is left out), plus `α ln β` when `β` is data and valid too; else `0`.
    #[inline]
    fn lpdf_constant(&self, need: Needed) -> f64 {
        if !constant_shape(self.0, need) {
            return 0.0;
        }
        let alpha = self.0.value();
        let rate_term = if constant_rate(self.1, need) {
            alpha * self.1.value().ln()
        } else {
            0.0
        };
        rate_term - lgamma(alpha)
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

/// A draw from `Gamma(shape, 1)` (rand_distr's Marsaglia–Tsang sampler), shape validated.
pub(crate) fn standard_gamma<R: Rng + ?Sized>(
    distribution: &'static str,
    parameter: &'static str,
    shape: f64,
    rng: &mut R,
) -> Result<f64> {
    let g = rand_distr::Gamma::new(shape, 1.0).map_err(|_| Error::InvalidParameter {
        distribution,
        parameter,
        value: shape,
        requirement: "finite and > 0",
    })?;
    Ok(g.sample(rng))
}

impl Sample for Gamma<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("Gamma", "alpha", self.0)?;
        validation::positive("Gamma", "beta", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        // Dividing a standard draw by the rate also works for rates whose inverse overflows.
        Ok(standard_gamma("Gamma", "alpha", self.0, rng)? / self.1)
    }
}

/// `α` is data, valid and in the `ln Γ` form of the density (see `lpdf_constant`).
#[inline(always)]
fn constant_shape<S: Scalar>(alpha: S, need: Needed) -> bool {
    !need.has_param(0) && pos(alpha) && alpha.value() < STIRLING_MIN
}

/// `β` is data and valid: with a constant shape, `α ln β` is a data-only term.
#[inline(always)]
fn constant_rate<S: Scalar>(beta: S, need: Needed) -> bool {
    !need.has_param(1) && pos(beta)
}

impl<S: Scalar> Gamma<S, S> {
    /// [`ContinuousDistribution::lpdf_grad_needed`], with `ln y` given or not.
    #[inline(always)]
    fn lpdf_grad_known_ln(&self, y: S, ln_y: Option<S>, need: Needed) -> (S, S, Self) {
        if need.no_constant() && constant_shape(self.0, need) {
            return self.lpdf_grad_without_lgamma(y, ln_y, constant_rate(self.1, need));
        }
        self.lpdf_grad_with(y, need.has_param(0), ln_y)
    }

    /// `log p + ln Γ(α)` (less `α ln β` if `without_rate_term`) and the partials but
    /// `∂/∂α` (zero), for `α < STIRLING_MIN`: `α ln β + (α - 1) ln y - βy`.
    #[inline]
    fn lpdf_grad_without_lgamma(
        &self,
        y: S,
        known_ln_y: Option<S>,
        without_rate_term: bool,
    ) -> (S, S, Self) {
        let Gamma(alpha, beta) = *self;
        let zero = (neg_inf(), S::zero(), Gamma(S::zero(), S::zero()));
        if !(pos(alpha) && pos(beta) && pos(y)) {
            return zero;
        }
        let ln_y = known_ln_y.unwrap_or_else(|| y.ln());
        let mut lp = (alpha - 1.0) * ln_y - beta * y;
        if !without_rate_term {
            lp += alpha * beta.ln();
        }
        if !lp.is_finite() {
            return zero;
        }
        let dy = (alpha - 1.0) / y - beta;
        (lp, dy, Gamma(S::zero(), alpha / beta - y))
    }

    /// Log density and partials; `∂/∂α` only if `with_dalpha` (zero otherwise); `ln y` is
    /// `known_ln_y` when given.
    #[inline]
    fn lpdf_grad_with(&self, y: S, with_dalpha: bool, known_ln_y: Option<S>) -> (S, S, Self) {
        let Gamma(alpha, beta) = *self;
        let zero = (neg_inf(), S::zero(), Gamma(S::zero(), S::zero()));
        let Some((x, ln_x, ln_y)) = gamma_pieces(alpha, beta, y, known_ln_y) else {
            return zero;
        };
        let lp = gamma_kernel(alpha, x, ln_x) - ln_y;
        if !lp.is_finite() {
            return zero;
        }
        let dy = (alpha - 1.0) / y - beta;
        let dalpha = if with_dalpha {
            gamma_kernel_dalpha(alpha, x, ln_x)
        } else {
            S::zero()
        };
        (lp, dy, Gamma(dalpha, alpha / beta - y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Gamma<(), ()>;

    /// The sum of the sizes of the terms either form of the log density adds (each
    /// rounded a few times): the scale of the difference between the two forms.
    fn term_sizes(a: f64, b: f64, y: f64) -> f64 {
        lgamma(a).abs()
            + (a * b.ln()).abs()
            + (a * y.ln()).abs()
            + (a * (b * y).ln()).abs()
            + b * y
            + y.ln().abs()
    }

    #[test]
    fn needed_partials_match_the_full_rule() {
        use crate::distributions::Needed;
        use rand::Rng;
        let mut rng = crate::testing::rng_for("gamma-needed");
        let mut u = || rng.random::<f64>();
        for _ in 0..500 {
            let (a, b) = (0.05 + 30.0 * u(), 0.05 + 30.0 * u());
            let y = 0.01 + 20.0 * u();
            let d = Gamma(a, b);
            let full = d.lpdf_grad(y);
            assert_eq!(d.lpdf_grad_needed(y, Needed::ALL), full);
            let (lp, dy, Gamma(da, db)) = d.lpdf_grad_needed(y, Needed::VALUE | Needed::param(1));
            let Gamma(fa, fb) = full.2;
            assert_eq!((lp, dy), (full.0, full.1));
            assert_eq!((da, db), (0.0, fb));
            let _ = fa;
            let (lp, dy, Gamma(da, db)) = d.lpdf_grad_needed(y, Needed::VALUE);
            assert_eq!((lp, dy, da, db), (full.0, full.1, 0.0, fb));
        }
        // Data shape below the Stirling threshold: -ln Γ(α) left out and given apart.
        for (a, b, y) in [(9.16, 8.16, 1.3), (0.3, 2.0, 0.01), (9.99, 0.5, 40.0)] {
            let need = Needed::VALUE | Needed::param(1);
            let d = Gamma(a, b);
            let (lp, dy, Gamma(da, db)) = d.lpdf_grad_needed(y, need | Needed::NO_CONSTANT);
            let (full, fdy, Gamma(_, fdb)) = d.lpdf_grad(y);
            let c = d.lpdf_constant(need);
            assert_eq!(c, -lgamma(a));
            // lp + c and full are two roundings of the same sum of terms of size ≤ scale.
            let scale = term_sizes(a, b, y);
            assert!(
                (lp + c - full).abs() <= 4.0 * f64::EPSILON * scale,
                "{a} {b} {y}"
            );
            assert_eq!((dy, da, db), (fdy, 0.0, fdb));
        }
        // Above the threshold, or with the shape a parameter, nothing is left out.
        assert_eq!(Gamma(12.0, 1.0).lpdf_constant(Needed::VALUE), 0.0);
        assert_eq!(Gamma(2.0, 1.0).lpdf_constant(Needed::ALL), 0.0);
        let no_c = Needed::VALUE | Needed::NO_CONSTANT;
        assert_eq!(
            Gamma(12.0, 1.0).lpdf_grad_needed(3.0, no_c),
            Gamma(12.0, 1.0).lpdf_grad_needed(3.0, Needed::VALUE)
        );
        // Outside the domain: -∞ with zero partials either way.
        let (lp, dy, _) = Gamma(2.0, 2.0).lpdf_grad_needed(-1.0, no_c);
        assert_eq!((lp, dy), (f64::NEG_INFINITY, 0.0));
        let (lp, dy, _) = Gamma(2.0, 2.0).lpdf_grad_needed(-1.0, Needed::VALUE);
        assert_eq!((lp, dy), (f64::NEG_INFINITY, 0.0));
    }

    #[test]
    fn a_data_rate_and_a_known_logarithm() {
        use crate::distributions::Needed;
        use rand::Rng;
        let eps = f64::EPSILON;
        // Data shape and rate: -ln Γ(α) + α ln β left out and given apart.
        for (a, b, y) in [(9.16, 8.16, 1.3), (0.3, 2.0, 0.01), (9.99, 0.5, 40.0)] {
            let d = Gamma(a, b);
            let (lp, dy, _) = d.lpdf_grad_needed(y, Needed::VALUE | Needed::NO_CONSTANT);
            let c = d.lpdf_constant(Needed::VALUE);
            assert_eq!(c, a * b.ln() - lgamma(a));
            let (full, fdy, _) = d.lpdf_grad(y);
            // Two roundings of the same sum of terms of size ≤ scale.
            let scale = term_sizes(a, b, y);
            assert!((lp + c - full).abs() <= 4.0 * eps * scale, "{a} {b} {y}");
            assert_eq!(dy, fdy);
        }
        let needs = [
            Needed::ALL,
            Needed::VALUE | Needed::param(1),
            Needed::VALUE,
            Needed::VALUE | Needed::NO_CONSTANT,
            Needed::VALUE | Needed::param(1) | Needed::NO_CONSTANT,
        ];
        let mut rng = crate::testing::rng_for("gamma-known-ln");
        let mut u = || rng.random::<f64>();
        for _ in 0..300 {
            // Both branches of the kernel (shapes below and above STIRLING_MIN).
            let (a, b, x) = (0.05 + 30.0 * u(), 0.05 + 30.0 * u(), 6.0 * u() - 3.0);
            let (d, y) = (Gamma(a, b), x.exp());
            for need in needs {
                // ln y given as computed: the same rule, bit for bit.
                assert_eq!(d.lpdf_grad_ln(y, y.ln(), need), d.lpdf_grad_needed(y, need));
                // As the log transform gives it (x itself): ln(fl(eˣ)) - x is at most
                // ε(1 + |x|), times |α - 1| in log p, plus the rounding of the sums.
                let (lp, dy, Gamma(da, db)) = d.lpdf_grad_ln(y, x, need);
                let (want, want_dy, Gamma(want_da, want_db)) = d.lpdf_grad_needed(y, need);
                let scale = (a * b.ln()).abs() + (a * x).abs() + b * y + lgamma(a).abs() + 1.0;
                let tol = (a - 1.0).abs() * eps * (1.0 + x.abs()) + 4.0 * eps * scale;
                assert!((lp - want).abs() <= tol, "{a} {b} {x} {need:?}");
                assert_eq!((dy, db), (want_dy, want_db));
                let dalpha_tol = eps * (1.0 + x.abs()) + 4.0 * eps * (a.ln().abs() + 1.0);
                assert!((da - want_da).abs() <= dalpha_tol, "{a} {b} {x} {need:?}");
                // The tangent through ln y: d(ln y) = dx either way.
                let xd = Dual::new(x, 1.0);
                let yd = xd.exp();
                let (lp_d, _, _) = Gamma(Dual::cst(a), Dual::cst(b)).lpdf_grad_ln(yd, xd, need);
                let (want_d, _, _) = Gamma(Dual::cst(a), Dual::cst(b)).lpdf_grad_needed(yd, need);
                let slope = (a - 1.0).abs() + b * y + a;
                assert!(
                    (lp_d.d - want_d.d).abs() <= 4.0 * eps * slope,
                    "{a} {b} {x} {need:?}"
                );
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(0.05, 20.0),
            &[
                Domain::LogUniform(0.05, 50.0),
                Domain::LogUniform(0.05, 50.0),
            ],
        );
        // Large shapes (the Stirling branch): βy far from α (the direct deviance) ...
        check_continuous_gradients::<Family>(
            Domain::Interval(0.8, 1.25),
            &[Domain::LogUniform(10.0, 1e4), Domain::Interval(0.8, 1.25)],
        );
        // ... and βy/α in (0.4, 2.5), mostly the series branch of the deviance.
        check_continuous_gradients::<Family>(
            Domain::Interval(0.8, 1.25),
            &[
                Domain::Interval(100.0, 200.0),
                Domain::Interval(100.0, 200.0),
            ],
        );
    }

    #[test]
    fn stirling_helpers_match_their_definitions() {
        // δ against lgamma, δ' against its Dual derivative, D against its definition.
        for a in [10.0, 13.7, 100.0, 1e4] {
            let stirling = (a - 0.5) * f64::ln(a) - a + HALF_LN_2PI;
            let want = lgamma(a) - stirling;
            assert!((stirling_delta(a) - want).abs() <= 1e-14 * a * a.ln());
            let d = stirling_delta(Dual::new(a, 1.0)).d;
            assert!((stirling_delta_deriv(a) - d).abs() <= 1e-15 * d.abs());
        }
        for (a, x) in [
            (10.0, 9.0),
            (10.0, 14.9),
            (10.0, 5.1),
            (10.0, 30.0),
            (3.0, 0.1),
        ] {
            let direct = x - a - a * f64::ln(x / a);
            let got = deviance(a, x, f64::ln(x));
            assert!((got - direct).abs() <= 1e-13 * (x + a), "{a} {x}");
            let r = ln_ratio(a, x, f64::ln(x));
            assert!((r - f64::ln(x / a)).abs() <= 1e-15, "{a} {x}");
        }
        // The series near x = a, where the direct form cancels.
        let (a, x) = (1e6, 1e6 + 1.0);
        let want = 0.5 / 1e6 - 1.0 / 3e12 + 0.25e-18; // 1/(2a) - 1/(3a²) + 1/(4a³)
        assert!((deviance(a, x, f64::ln(x)) - want).abs() <= 1e-15 * want);
    }

    #[test]
    fn both_forms_agree_at_the_switch() {
        for y in [0.5, 3.0, 10.0, 40.0] {
            let below = Gamma(STIRLING_MIN * (1.0 - 1e-15), 1.0).lpdf_grad(y);
            let at = Gamma(STIRLING_MIN, 1.0).lpdf_grad(y);
            assert!((below.0 - at.0).abs() <= 1e-13 * at.0.abs().max(1.0), "{y}");
            let (Gamma(da_below, _), Gamma(da_at, _)) = (below.2, at.2);
            assert!((da_below - da_at).abs() <= 1e-13, "{y}: {da_below} {da_at}");
        }
    }

    #[test]
    fn shape_partial_keeps_its_digits_for_huge_shapes() {
        // At y = α/β the partial is ln α - ψ(α) = 1/(2α) + 1/(12α²) - 1/(120α⁴) + ...,
        // tiny next to ln α and ψ(α); the Stirling form gets it to full relative precision.
        for a in [1e4, 1e8, 1e12] {
            let (_, _, Gamma(dalpha, _)) = Gamma(a, 1.0).lpdf_grad(a);
            let want = 0.5 / a + 1.0 / (12.0 * a * a) - 1.0 / (120.0 * a.powi(4));
            assert!(
                (dalpha - want).abs() <= 1e-14 * want,
                "{a}: {dalpha} vs {want}"
            );
        }
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(
            0.3,
            &[
                &[0.0, 1.0],
                &[-1.0, 1.0],
                &[1.0, 0.0],
                &[1.0, -2.0],
                &[f64::NAN, 1.0],
                &[1.0, f64::NAN],
                &[f64::INFINITY, 1.0],
                &[1.0, f64::INFINITY],
            ],
        );
        for y in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            check_invalid_params::<Family>(y, &[&[2.0, 1.0], &[20.0, 1.0]]);
        }
        // βy overflows: the density underflows to 0.
        check_invalid_params::<Family>(1e300, &[&[2.0, 1e300]]);
        let mut rng = crate::testing::rng_for("gamma-invalid");
        let err = Gamma(-1.0, 1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Gamma: parameter `alpha` = -1 but it must be finite and > 0"
        );
        assert!(Gamma(1.0, 0.0).sample(&mut rng).is_err());
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("gamma", |p, y| Gamma(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = Gamma(2.5, 4.0);
        check_moments("Gamma", |rng| d.sample(rng).unwrap(), 2.5 / 4.0, 2.5 / 16.0);
        let d = Gamma(0.3, 1e-3);
        check_moments(
            "Gamma small shape",
            |rng| d.sample(rng).unwrap(),
            300.0,
            3e5,
        );
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = gamma_lpdf(0.5, 1.5, 2.0);
        let (dy, dalpha, dbeta) = gamma_lpdf_vjp(0.5, 1.5, 2.0, lp, 2.0);
        let (_, gy, Gamma(galpha, gbeta)) = Gamma(1.5, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, Gamma(1.5, 2.0).lpdf(0.5));
        assert_eq!((dy, dalpha, dbeta), (2.0 * gy, 2.0 * galpha, 2.0 * gbeta));
    }
}
