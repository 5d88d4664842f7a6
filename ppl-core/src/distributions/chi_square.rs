//! The chi-square distribution `ChiSquare(nu)` (Stan's `chi_square`): `Gamma(ν/2, rate ½)`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::gamma::{
    finite_or_neg_inf, gamma_kernel, gamma_kernel_dalpha, ln_checked, pos,
};
use crate::distributions::{validation, ContinuousDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Chi-square distribution with `nu` degrees of freedom (Stan's `chi_square(nu)`; scipy's
/// `chi2(df = ν)`); `nu` need not be an integer. It is `Gamma(ν/2, rate = ½)`.
///
/// # Formula
///
/// ```text
/// log p(y | ν) = (ν/2 - 1) ln y - y/2 - (ν/2) ln 2 - ln Γ(ν/2)
///              = K(ν/2, y/2) - ln y        (K: the gamma kernel, see the `gamma` module)
/// ∂/∂y = (ν/2 - 1)/y - ½     ∂/∂ν = ½ (ln(y/2) - ψ(ν/2))
/// ```
///
/// Support: `(0, ∞)`. Parameter: `nu > 0` finite. Invalid parameters, `y ≤ 0` or a
/// non-finite `y` give `-∞` with zero partials, as does a density that underflows to `0`.
///
/// # Errors
///
/// Drawing with an invalid `nu` is an [`Error::InvalidParameter`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{chi_square_lpdf, ChiSquare, ContinuousDistribution};
/// // ν = 2: the exponential distribution with rate ½.
/// let lp = ChiSquare(2.0).lpdf(3.0);
/// assert!((lp - (-(2f64.ln()) - 1.5)).abs() < 1e-15);
/// assert_eq!(chi_square_lpdf(3.0, 2.0), lp);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChiSquare<N>(pub N);

crate::continuous_distribution!(ChiSquare, chi_square_lpdf, chi_square_lpdf_vjp, [nu: N]);

/// `(α, x, ln x, ln y)` with `α = ν/2`, `x = y/2`, or `None` outside the domain.
#[inline(always)]
fn pieces<S: Scalar>(nu: S, y: S) -> Option<(S, S, S, S)> {
    if !(pos(nu) && pos(y)) {
        return None;
    }
    let ln_y = y.ln();
    let x = y * 0.5;
    let ln_x = ln_checked(x, || ln_y - std::f64::consts::LN_2);
    Some((nu * 0.5, x, ln_x, ln_y))
}

impl<S: Scalar> ContinuousDistribution<S> for ChiSquare<S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        match pieces(self.0, y) {
            Some((alpha, x, ln_x, ln_y)) => finite_or_neg_inf(gamma_kernel(alpha, x, ln_x) - ln_y),
            None => neg_inf(),
        }
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let zero = (neg_inf(), S::zero(), ChiSquare(S::zero()));
        let Some((alpha, x, ln_x, ln_y)) = pieces(self.0, y) else {
            return zero;
        };
        let lp = gamma_kernel(alpha, x, ln_x) - ln_y;
        if !lp.is_finite() {
            return zero;
        }
        let dy = (alpha - 1.0) / y - 0.5;
        let dnu = gamma_kernel_dalpha(alpha, x, ln_x) * 0.5;
        (lp, dy, ChiSquare(dnu))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for ChiSquare<f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("ChiSquare", "nu", self.0)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let d = rand_distr::ChiSquared::new(self.0).map_err(|_| Error::InvalidParameter {
            distribution: "ChiSquare",
            parameter: "nu",
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

    type Family = ChiSquare<()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(0.05, 50.0),
            &[Domain::LogUniform(0.05, 50.0)],
        );
        // Many degrees of freedom (the Stirling branch): values near the mean ν (the
        // series branch of the deviance) and far from it.
        check_continuous_gradients::<Family>(
            Domain::Interval(900.0, 1100.0),
            &[Domain::Interval(900.0, 1100.0)],
        );
        check_continuous_gradients::<Family>(
            Domain::LogUniform(0.1, 1e3),
            &[Domain::LogUniform(20.0, 1e4)],
        );
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params::<Family>(0.3, &[&[0.0], &[-1.0], &[f64::NAN], &[f64::INFINITY]]);
        for y in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            check_invalid_params::<Family>(y, &[&[3.0], &[30.0]]);
        }
        let mut rng = crate::testing::rng_for("chi-square-invalid");
        let err = ChiSquare(-2.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ChiSquare: parameter `nu` = -2 but it must be finite and > 0"
        );
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("chi_square", |p, y| ChiSquare(p[0]).lpdf(y));
    }

    #[test]
    fn sampler_moments() {
        let d = ChiSquare(3.5);
        check_moments("ChiSquare", |rng| d.sample(rng).unwrap(), 3.5, 7.0);
        let d = ChiSquare(0.4);
        check_moments("ChiSquare small nu", |rng| d.sample(rng).unwrap(), 0.4, 0.8);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = chi_square_lpdf(0.5, 3.0);
        let (dy, dnu) = chi_square_lpdf_vjp(0.5, 3.0, lp, 2.0);
        let (_, gy, ChiSquare(gnu)) = ChiSquare(3.0).lpdf_grad(0.5);
        assert_eq!(lp, ChiSquare(3.0).lpdf(0.5));
        assert_eq!((dy, dnu), (2.0 * gy, 2.0 * gnu));
    }
}
