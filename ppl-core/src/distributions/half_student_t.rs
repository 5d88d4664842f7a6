//! The half-Student-t distribution `HalfStudentT(nu, sigma)`: `|X|` for
//! `X ~ StudentT(nu, 0, sigma)`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::student_t::standard_t;
use crate::distributions::{validation, ContinuousDistribution, Sample, StudentT};
use crate::error::Result;
use crate::transforms::Support;
use rand::Rng;
use rand_distr::Distribution as _;

/// Half-Student-t distribution with `nu` degrees of freedom and scale `sigma`: the
/// Student-t `StudentT(nu, 0, sigma)` folded onto `[0, ∞)`, a common prior for scales.
///
/// # Formula
///
/// ```text
/// log p(y | ν, σ) = ln 2 + C(ν) - ln σ - (ν+1)/2 · ln(1 + z²/ν),   z = y/σ,   y ≥ 0
/// C(ν) = ln Γ((ν+1)/2) - ln Γ(ν/2) - ½ ln(νπ)
/// ∂/∂y = -(ν+1) z / (σ(ν + z²))     ∂/∂σ = ν(z² - 1) / (σ(ν + z²))
/// ∂/∂ν = ½ [ψ((ν+1)/2) - ψ(ν/2) - 1/ν - ln(1 + z²/ν) + (ν+1) z²/(ν(ν + z²))]
/// ```
///
/// That is twice the [`StudentT`] density with `μ = 0`, and it is evaluated by
/// [`StudentT`] (see there for the stable forms: large `ν`, far tails). In Stan this is
/// `y ~ student_t(nu, 0, sigma)` with `y` declared `<lower=0>`, whose truncation constant
/// `ln 2` Stan drops; here it is included.
///
/// Support: `(0, ∞)` (a sample site is log-transformed); `y = 0` has a finite density;
/// `y < 0` or non-finite `y` gives `-∞` with zero partials. Parameters: `nu > 0` finite,
/// `sigma > 0` finite (a scale). Invalid parameters give `-∞` with zero partials.
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{ContinuousDistribution, HalfCauchy, HalfStudentT};
/// // ν = 1 is the half-Cauchy.
/// let lp = HalfStudentT(1.0, 5.0).lpdf(2.0);
/// assert!((lp - HalfCauchy(5.0).lpdf(2.0)).abs() < 1e-14);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HalfStudentT<N, Sg>(pub N, pub Sg);

crate::continuous_distribution!(
    HalfStudentT,
    half_student_t_lpdf,
    half_student_t_lpdf_vjp,
    [nu: N, sigma: Sg]
);

impl<S: Scalar> ContinuousDistribution<S> for HalfStudentT<S, S> {
    #[inline]
    fn lpdf(&self, y: S) -> S {
        let HalfStudentT(nu, sigma) = *self;
        if y.value() >= 0.0 {
            StudentT(nu, S::zero(), sigma).lpdf(y) + std::f64::consts::LN_2
        } else {
            neg_inf()
        }
    }

    #[inline]
    fn lpdf_grad(&self, y: S) -> (S, S, Self) {
        let HalfStudentT(nu, sigma) = *self;
        let (lp, dy, StudentT(dnu, _, dsigma)) = if y.value() >= 0.0 {
            StudentT(nu, S::zero(), sigma).lpdf_grad(y)
        } else {
            (
                neg_inf(),
                S::zero(),
                StudentT(S::zero(), S::zero(), S::zero()),
            )
        };
        (lp + std::f64::consts::LN_2, dy, HalfStudentT(dnu, dsigma))
    }

    #[inline]
    fn support(&self) -> Support<S> {
        Support::Positive
    }
}

impl Sample for HalfStudentT<f64, f64> {
    type Value = f64;
    fn validate(&self) -> Result<()> {
        validation::positive("HalfStudentT", "nu", self.0)?;
        validation::positive("HalfStudentT", "sigma", self.1)
    }
    /// `σ·|T|` with `T` standard Student-t.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        self.validate()?;
        let t: f64 = standard_t(self.0)?.sample(rng);
        Ok(self.1 * t.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    type Family = HalfStudentT<(), ()>;

    #[test]
    fn gradients_match_finite_differences() {
        check_continuous_gradients::<Family>(
            Domain::LogUniform(1e-3, 100.0),
            &[
                Domain::LogUniform(0.5, 100.0),
                Domain::LogUniform(0.05, 50.0),
            ],
        );
        check_continuous_gradients::<Family>(
            Domain::LogUniform(1e-2, 10.0),
            &[Domain::LogUniform(100.0, 1e8), Domain::LogUniform(0.5, 2.0)],
        );
    }

    #[test]
    fn invalid_parameters_and_values_outside_the_support() {
        check_invalid_params::<Family>(
            0.3,
            &[
                &[0.0, 1.0],
                &[-1.0, 1.0],
                &[f64::NAN, 1.0],
                &[f64::INFINITY, 1.0],
                &[3.0, 0.0],
                &[3.0, -1.0],
                &[3.0, f64::INFINITY],
            ],
        );
        check_invalid_params::<Family>(-0.3, &[&[3.0, 1.0]]);
        check_invalid_params::<Family>(f64::NAN, &[&[3.0, 1.0]]);
        assert_eq!(
            HalfStudentT(3.0, 1.0).lpdf(f64::INFINITY),
            f64::NEG_INFINITY
        );
        assert!(HalfStudentT(3.0, 1.0).lpdf(0.0).is_finite());
        assert_eq!(HalfStudentT(3.0, 1.0).support(), Support::Positive);
        let mut rng = crate::testing::rng_for("half-student-t-invalid");
        let err = HalfStudentT(3.0, -1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "HalfStudentT: parameter `sigma` = -1 but it must be finite and > 0"
        );
        assert!(HalfStudentT(-3.0, 1.0).sample(&mut rng).is_err());
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("half_student_t", |p, y| HalfStudentT(p[0], p[1]).lpdf(y));
        check_reference_table("half_student_t", |p, y| {
            HalfStudentT(p[0], p[1]).lpdf_grad(y).0
        });
    }

    #[test]
    fn sampler_moments() {
        // ν = 10, σ = 2: E y = 2σ√ν Γ((ν+1)/2) / (√π Γ(ν/2) (ν-1)), E y² = σ² ν/(ν-2).
        let d = HalfStudentT(10.0, 2.0);
        let mean = 1.729_370_595_404_582_4;
        let var = 4.0 * 10.0 / 8.0 - mean * mean;
        check_moments("HalfStudentT", |rng| d.sample(rng).unwrap(), mean, var);
    }

    #[test]
    fn sampler_quantiles_for_heavy_tails() {
        // ν = 2: the p-quantile of |T| is the (1+p)/2-quantile of T, (2P - 1)/√(2P(1-P)).
        let sigma = 2.0;
        let d = HalfStudentT(2.0, sigma);
        for p in [0.5, 0.9] {
            let pp: f64 = (1.0 + p) / 2.0;
            let t = (2.0 * pp - 1.0) / (2.0 * pp * (1.0 - pp)).sqrt();
            let dens = 2.0 * (2.0 + t * t).powf(-1.5) / sigma;
            check_quantile(
                "HalfStudentT2",
                |rng| d.sample(rng).unwrap(),
                p,
                sigma * t,
                dens,
            );
        }
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = half_student_t_lpdf(0.5, 3.0, 2.0);
        let (dy, dnu, dsigma) = half_student_t_lpdf_vjp(0.5, 3.0, 2.0, lp, 2.0);
        let (glp, gy, HalfStudentT(gnu, gsigma)) = HalfStudentT(3.0, 2.0).lpdf_grad(0.5);
        assert_eq!(lp, glp);
        assert_eq!((dy, dnu, dsigma), (2.0 * gy, 2.0 * gnu, 2.0 * gsigma));
    }
}
