//! The inverse gamma distribution `InverseGamma(alpha, beta)` (shape, **scale**; Stan's
//! `inv_gamma`): `1/y ~ Gamma(alpha, rate = beta)`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::gamma::{
    finite_or_neg_inf, gamma_kernel, gamma_kernel_dalpha, ln_checked, pos, standard_gamma,
};
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::Result;
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;

/// Inverse gamma distribution with **shape** `alpha` and **scale** `beta` (Stan's
/// `inv_gamma(alpha, beta)`; scipy's `invgamma(a = α, scale = β)`): if `y` has this
/// distribution, `1/y ~ Gamma(α, β)` with `β` as the gamma's rate.
///
/// # Formula
///
/// ```text
/// log p(y | α, β) = α ln β - ln Γ(α) - (α + 1) ln y - β/y
///                 = K(α, β/y) - ln y        (K: the gamma kernel, see the `gamma` module)
/// ∂/∂y = (β/y - α - 1)/y     ∂/∂α = ln(β/y) - ψ(α)     ∂/∂β = α/β - 1/y
/// ```
///
/// Evaluated through the gamma kernel, so huge shapes lose no digits to cancellation.
///
/// Support: `(0, ∞)`. Parameters: `alpha > 0`, `beta > 0`, both finite. Invalid
/// parameters, `y ≤ 0` or a non-finite `y` give `-∞` with zero partials, as does a density
/// that underflows to `0`. Mean `β/(α - 1)` for `α > 1`.
///
/// # Errors
///
/// Drawing with an invalid parameter is an [`Error::InvalidParameter`](crate::Error::InvalidParameter).
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{inv_gamma_lpdf, ContinuousDistribution, InverseGamma};
/// // α = 1: p(y) = β e^(-β/y) / y².
/// let lp = InverseGamma(1.0, 2.0).lpdf(0.5);
/// assert!((lp - (2f64.ln() - 4.0 + 2.0 * 2f64.ln())).abs() < 1e-14);
/// assert_eq!(inv_gamma_lpdf(0.5, 1.0, 2.0), lp);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InverseGamma<A, B>(pub A, pub B);

crate::continuous_distribution!(InverseGamma, inv_gamma_lpdf, inv_gamma_lpdf_vjp, [alpha: A, beta: B]);

/// `(x, ln x, ln y)` with `x = β/y`, or `None` outside the domain.
#[inline(always)]
fn pieces<S: Scalar>(alpha: S, beta: S, y: S) -> Option<(S, S, S)> {
    if !(pos(alpha) && pos(beta) && pos(y)) {
        return None;
    }
    let ln_y = y.ln();
    let x = beta / y;
    let ln_x = ln_checked(x, || beta.ln() - ln_y);
    Some((x, ln_x, ln_y))
}

impl<S: Scalar> ContinuousDistribution<S> for InverseGamma<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let InverseGamma(alpha, beta) = *self;
        match pieces(alpha, beta, y) {
            Some((x, ln_x, ln_y)) => finite_or_neg_inf(gamma_kernel(alpha, x, ln_x) - ln_y),
            None => neg_inf(),
        }
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let InverseGamma(alpha, beta) = *self;
        let zero = (neg_inf(), S::zero(), InverseGamma(S::zero(), S::zero()));
        let Some((x, ln_x, ln_y)) = pieces(alpha, beta, y) else {
            return zero;
        };
        let lp = gamma_kernel(alpha, x, ln_x) - ln_y;
        if !lp.is_finite() {
            return zero;
        }
        let inv_y = y.recip();
        let dy = (x - alpha - 1.0) * inv_y;
        let dalpha = gamma_kernel_dalpha(alpha, x, ln_x);
        let dbeta = alpha / beta - inv_y;
        (lp, dy, InverseGamma(dalpha, dbeta))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for InverseGamma<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("InverseGamma", "alpha", self.0)?;
        validation::positive("InverseGamma", "beta", self.1)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        Ok(self.1 / standard_gamma("InverseGamma", "alpha", self.0, rng)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = InverseGamma<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(0.05, 20.0),
            &[
                Domain::LogUniform(0.05, 50.0),
                Domain::LogUniform(0.05, 50.0),
            ],
        );
        // Large shapes (the Stirling branch): β/y far from α (the direct deviance) ...
        check_continuous_gradients::<Family>(
            Domain::Interval(0.8, 1.25),
            &[Domain::LogUniform(10.0, 1e4), Domain::Interval(0.8, 1.25)],
        );
        // ... and β/(yα) in (0.4, 2.5), mostly the series branch of the deviance.
        check_continuous_gradients::<Family>(
            Domain::Interval(0.8, 1.25),
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
        for y in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            check_invalid_params::<Family>(y, &[&[2.0, 1.0], &[20.0, 1.0]]);
        }
        // β/y overflows: the density underflows to 0.
        check_invalid_params::<Family>(1e-300, &[&[2.0, 1e300]]);
        let mut rng = crate::testing::rng_for("inv-gamma-invalid");
        let err = InverseGamma(1.0, 0.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "InverseGamma: parameter `beta` = 0 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("inv_gamma", |p, y| InverseGamma(p[0], p[1]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        // mean β/(α-1), variance β²/((α-1)²(α-2)); α large enough for a finite 4th moment.
        let (a, b) = (7.0, 3.0);
        let d = InverseGamma(a, b);
        check_moments(
            "InverseGamma",
            |rng| d.sample(rng).unwrap(),
            b / (a - 1.0),
            b * b / ((a - 1.0) * (a - 1.0) * (a - 2.0)),
        );
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = inv_gamma_lpdf(0.5, 1.5, 2.0);
        let (dy, dalpha, dbeta) = inv_gamma_lpdf_vjp(0.5, 1.5, 2.0, lp, 2.0);
        let (_, gy, InverseGamma(galpha, gbeta)) = InverseGamma(1.5, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, InverseGamma(1.5, 2.0).lpdf(0.5));
        assert_eq!((dy, dalpha, dbeta), (2.0 * gy, 2.0 * galpha, 2.0 * gbeta));
    }
}
