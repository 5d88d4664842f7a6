//! The beta distribution `Beta(alpha, beta)` on the unit interval (Stan's `beta`).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::gamma::{
    deviance, finite_or_neg_inf, ln_checked, ln_ratio, pos, stirling_delta, stirling_delta_deriv,
    STIRLING_MIN,
};
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::{validation, ContinuousDistribution, Needed, Sample};
use crate::error::{Error, Result};
use crate::math::{digamma, lbeta, ScalarMath};
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Beta distribution with shapes `alpha` and `beta` (Stan's `beta(alpha, beta)`; scipy's
/// `beta(a = α, b = β)`; mean `α/(α+β)`).
///
/// # Formula
///
/// ```text
/// log p(y | α, β) = (α - 1) ln y + (β - 1) ln(1 - y) - ln B(α, β)
/// ∂/∂y = (α - 1)/y - (β - 1)/(1 - y)
/// ∂/∂α = ln y - ψ(α) + ψ(α + β)       ∂/∂β = ln(1 - y) - ψ(β) + ψ(α + β)
/// ```
///
/// `ln(1 - y)` is `ln_1p(-y)`, accurate for `y` near `0`; `1 - y` is exact for `y ≥ ½`, so
/// `y` near `1` keeps its digits too. When both shapes are at least `10` the three large
/// terms are not added as written (they cancel to a result of size `ln(α + β)`); with
/// `n = α + β`, Stirling's remainder `δ` and the deviance `D` of the `gamma` module,
///
/// ```text
/// log p = -D(α, n y) - D(β, n (1 - y)) - ln y - ln(1 - y) + ½ ln(α β / n) - ½ ln 2π
///         - δ(α) - δ(β) + δ(n)
/// ∂/∂α  = ln(n y/α) + 1/(2α) - δ'(α) - 1/(2n) + δ'(n)      (∂/∂β likewise)
/// ```
///
/// Support: `(0, 1)` (a sample site gets the logit transform). Parameters: `alpha > 0`,
/// `beta > 0`, both finite. Invalid parameters or `y` outside the open interval (including
/// the end points, where the density is `0`, finite or `∞` depending on the shapes) give
/// `-∞` with zero partials.
///
/// # Errors
///
/// Drawing with an invalid parameter is an [`Error::InvalidParameter`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{beta_lpdf, Beta, ContinuousDistribution};
/// // Beta(2, 1): p(y) = 2y.
/// let lp = Beta(2.0, 1.0).lpdf(0.25);
/// assert!((lp - 0.5f64.ln()).abs() < 1e-15);
/// assert_eq!(beta_lpdf(0.25, 2.0, 1.0), lp);
/// assert_eq!(Beta(2.0, 1.0).lpdf(1.0), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beta<A, B>(pub A, pub B);

crate::continuous_distribution!(Beta, beta_lpdf, beta_lpdf_vjp, [alpha: A, beta: B]);

/// The pieces of the large-shape form: `(n, x₁ = n y, ln x₁, x₂ = n (1 - y), ln x₂)`.
#[inline(always)]
fn scaled<S: Scalar>(alpha: S, beta: S, y: S, ln_y: S, ln_1m_y: S) -> (S, S, S, S, S) {
    let n = alpha + beta;
    let x1 = n * y;
    let x2 = n * (-y + 1.0);
    let ln_x1 = ln_checked(x1, || n.ln() + ln_y);
    let ln_x2 = ln_checked(x2, || n.ln() + ln_1m_y);
    (n, x1, ln_x1, x2, ln_x2)
}

/// `(ln y, ln(1 - y), log p)`, or `None` outside the domain.
#[inline(always)]
fn pieces<S: Scalar>(alpha: S, beta: S, y: S) -> Option<(S, S, S)> {
    if !(pos(alpha) && pos(beta) && y.value() > 0.0 && y.value() < 1.0) {
        return None;
    }
    let ln_y = y.ln();
    let ln_1m_y = (-y).ln_1p();
    let lp = if alpha.value() >= STIRLING_MIN && beta.value() >= STIRLING_MIN {
        let (n, x1, ln_x1, x2, ln_x2) = scaled(alpha, beta, y, ln_y, ln_1m_y);
        -deviance(alpha, x1, ln_x1) - deviance(beta, x2, ln_x2) - ln_y - ln_1m_y
            + (alpha.ln() + beta.ln() - n.ln()) * 0.5
            - HALF_LN_2PI
            - stirling_delta(alpha)
            - stirling_delta(beta)
            + stirling_delta(n)
    } else {
        (alpha - 1.0) * ln_y + (beta - 1.0) * ln_1m_y - lbeta(alpha, beta)
    };
    Some((ln_y, ln_1m_y, lp))
}

impl<S: Scalar> ContinuousDistribution<S> for Beta<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let Beta(alpha, beta) = *self;
        match pieces(alpha, beta, y) {
            Some((_, _, lp)) => finite_or_neg_inf(lp),
            None => neg_inf(),
        }
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let Beta(alpha, beta) = *self;
        let zero = (neg_inf(), S::zero(), Beta(S::zero(), S::zero()));
        let Some((ln_y, ln_1m_y, lp)) = pieces(alpha, beta, y) else {
            return zero;
        };
        if !lp.is_finite() {
            return zero;
        }
        let dy = (alpha - 1.0) / y - (beta - 1.0) / (-y + 1.0);
        let (dalpha, dbeta) = shape_partials(alpha, beta, y, ln_y, ln_1m_y);
        (lp, dy, Beta(dalpha, dbeta))
    }

    /// Skips the shape partials (three digammas, or Stirling's derivatives) when both
    /// shapes are data; with [`Needed::NO_CONSTANT`] also `-ln B(α, β)` (see
    /// [`Self::lpdf_constant`]).
    #[inline]
    fn lpdf_grad_needed(&self, y: S, need: Needed) -> (S, S, Self) {
        if need.has_param(0) || need.has_param(1) {
            return self.lpdf_grad(y);
        }
        let Beta(alpha, beta) = *self;
        let zero = (neg_inf(), S::zero(), Beta(S::zero(), S::zero()));
        let lp = if need.no_constant() && lbeta_form(alpha, beta) {
            if !(pos(alpha) && pos(beta) && y.value() > 0.0 && y.value() < 1.0) {
                return zero;
            }
            (alpha - 1.0) * y.ln() + (beta - 1.0) * (-y).ln_1p()
        } else {
            match pieces(alpha, beta, y) {
                Some((_, _, lp)) => lp,
                None => return zero,
            }
        };
        if !lp.is_finite() {
            return zero;
        }
        let dy = (alpha - 1.0) / y - (beta - 1.0) / (-y + 1.0);
        (lp, dy, Beta(S::zero(), S::zero()))
    }

    /// `-ln B(α, β)` when both shapes are data, valid and not both above the Stirling
    /// threshold (where the density is `(α-1) ln y + (β-1) ln(1-y) - ln B(α, β)` term by
    /// term); else `0`.
    #[inline]
    fn lpdf_constant(&self, need: Needed) -> f64 {
        let Beta(alpha, beta) = *self;
        if need.has_param(0) || need.has_param(1) || !(pos(alpha) && pos(beta)) {
            return 0.0;
        }
        if lbeta_form(alpha, beta) {
            -lbeta(alpha.value(), beta.value())
        } else {
            0.0
        }
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::UnitInterval
    }
}

/// `true` when [`pieces`] uses `ln B(α, β)` directly (not both shapes above
/// `STIRLING_MIN`).
#[inline(always)]
fn lbeta_form<S: Scalar>(alpha: S, beta: S) -> bool {
    !(alpha.value() >= STIRLING_MIN && beta.value() >= STIRLING_MIN)
}

/// `(∂/∂α, ∂/∂β)` of the beta log density (see [`Beta`]'s formula).
#[inline(always)]
fn shape_partials<S: Scalar>(alpha: S, beta: S, y: S, ln_y: S, ln_1m_y: S) -> (S, S) {
    if alpha.value() >= STIRLING_MIN && beta.value() >= STIRLING_MIN {
        let (n, x1, ln_x1, x2, ln_x2) = scaled(alpha, beta, y, ln_y, ln_1m_y);
        let common = stirling_delta_deriv(n) - (n * 2.0).recip();
        (
            ln_ratio(alpha, x1, ln_x1) + (alpha * 2.0).recip() - stirling_delta_deriv(alpha)
                + common,
            ln_ratio(beta, x2, ln_x2) + (beta * 2.0).recip() - stirling_delta_deriv(beta) + common,
        )
    } else {
        let psi_n = digamma(alpha + beta);
        (
            ln_y - digamma(alpha) + psi_n,
            ln_1m_y - digamma(beta) + psi_n,
        )
    }
}

impl Sample for Beta<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("Beta", "alpha", self.0)?;
        validation::positive("Beta", "beta", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let d = rand_distr::Beta::new(self.0, self.1).map_err(|_| Error::InvalidParameter {
            distribution: "Beta",
            parameter: "alpha",
            value: self.0,
            requirement: "finite and > 0",
        })?;
        Ok(d.sample(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = Beta<(), ()>;

    #[test]
    fn needed_partials_match_the_full_rule() {
        use crate::distributions::Needed;
        use rand::Rng;
        let mut rng = crate::testing::rng_for("beta-needed");
        let mut u = || rng.random::<f64>();
        for _ in 0..500 {
            let (a, b) = (0.05 + 30.0 * u(), 0.05 + 30.0 * u());
            let y = 0.001 + 0.998 * u();
            let d = Beta(a, b);
            let full = d.lpdf_grad(y);
            assert_eq!(d.lpdf_grad_needed(y, Needed::ALL), full);
            let (lp, dy, Beta(da, db)) = d.lpdf_grad_needed(y, Needed::VALUE | Needed::param(1));
            let Beta(fa, fb) = full.2;
            assert_eq!((lp, dy), (full.0, full.1));
            assert_eq!((da, db), (fa, fb));
            let (lp, dy, Beta(da, db)) = d.lpdf_grad_needed(y, Needed::VALUE);
            assert_eq!((lp, dy, da, db), (full.0, full.1, 0.0, 0.0));
            // Without the data-only term, which lpdf_constant gives: the same sum of the
            // same terms (≤ scale in size), rounded in another order.
            let no_c = Needed::VALUE | Needed::NO_CONSTANT;
            let (part, pdy, _) = d.lpdf_grad_needed(y, no_c);
            let c = d.lpdf_constant(Needed::VALUE);
            let scale =
                lbeta(a, b).abs() + ((a - 1.0) * y.ln()).abs() + ((b - 1.0) * (-y).ln_1p()).abs();
            assert!(
                (part + c - full.0).abs() <= 8.0 * f64::EPSILON * scale,
                "{a} {b} {y}"
            );
            assert_eq!(pdy, full.1);
            if !lbeta_form(a, b) {
                assert_eq!((c, part), (0.0, full.0));
            }
        }
        // Outside the domain: -∞ with zero partials either way.
        let (lp, dy, _) = Beta(2.0, 2.0).lpdf_grad_needed(-1.0, Needed::VALUE);
        assert_eq!((lp, dy), (f64::NEG_INFINITY, 0.0));
        let no_c = Needed::VALUE | Needed::NO_CONSTANT;
        let (lp, dy, _) = Beta(2.0, 2.0).lpdf_grad_needed(1.5, no_c);
        assert_eq!((lp, dy), (f64::NEG_INFINITY, 0.0));
    }

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::Interval(0.02, 0.98),
            &[
                Domain::LogUniform(0.05, 50.0),
                Domain::LogUniform(0.05, 50.0),
            ],
        );
        // Both shapes large (the Stirling branch): anywhere, and near the mode (the series
        // branch of the deviances).
        check_continuous_gradients::<Family>(
            Domain::Interval(0.2, 0.8),
            &[Domain::LogUniform(10.0, 1e3), Domain::LogUniform(10.0, 1e3)],
        );
        check_continuous_gradients::<Family>(
            Domain::Interval(0.4, 0.6),
            &[
                Domain::Interval(100.0, 200.0),
                Domain::Interval(100.0, 200.0),
            ],
        );
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
                &[1.0, f64::INFINITY],
                &[f64::INFINITY, 1.0],
            ],
        );
        for y in [0.0, 1.0, -0.5, 1.5, f64::INFINITY, f64::NAN] {
            check_invalid_params::<Family>(y, &[&[2.0, 3.0], &[20.0, 30.0]]);
        }
        let mut rng = crate::testing::rng_for("beta-invalid");
        let err = Beta(1.0, f64::NAN).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Beta: parameter `beta` = NaN but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("beta", |p, y| Beta(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn both_forms_agree_at_the_switch() {
        // Just below and at the switch to the Stirling form: the same density.
        for y in [0.1, 0.5, 0.93] {
            let below = Beta(STIRLING_MIN * (1.0 - 1e-15), 12.0).lpdf(y);
            let at = Beta(STIRLING_MIN, 12.0).lpdf(y);
            assert!(
                (below - at).abs() <= 1e-13 * at.abs().max(1.0),
                "{y}: {below} {at}"
            );
        }
    }

    #[test]
    fn sampler_moments() {
        for (a, b) in [(2.0, 3.0), (0.3, 0.7), (40.0, 5.0)] {
            let d = Beta(a, b);
            let n: f64 = a + b;
            check_moments(
                &format!("Beta({a}, {b})"),
                |rng| d.sample(rng).unwrap(),
                a / n,
                a * b / (n * n * (n + 1.0)),
            );
        }
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = beta_lpdf(0.3, 1.5, 2.0);
        let (dy, dalpha, dbeta) = beta_lpdf_vjp(0.3, 1.5, 2.0, lp, 2.0);
        let (_, gy, Beta(galpha, gbeta)) = Beta(1.5, 2.0).lpdf_grad(0.3);
        assert_eq!(lp, Beta(1.5, 2.0).lpdf(0.3));
        assert_eq!((dy, dalpha, dbeta), (2.0 * gy, 2.0 * galpha, 2.0 * gbeta));
    }
}
