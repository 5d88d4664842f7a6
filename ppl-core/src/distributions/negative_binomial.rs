//! The negative binomial distribution in Stan's mean–dispersion parameterisations:
//! NegativeBinomial2(mu, phi) and NegativeBinomial2Log(eta, phi).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::poisson::{
    check_sample_rate, digamma_remainder, draw_poisson, log1pmx_or, stirlerr, MAX_SAMPLE_RATE,
};
use crate::distributions::{validation, DiscreteDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::{digamma, ScalarMath};
use rand::Rng;
use rand_distr::Distribution as _;

/// Negative binomial distribution with mean `mu` and dispersion `phi` (Stan's
/// `neg_binomial_2`): `Var = μ + μ²/φ`; a gamma–Poisson mixture, `k ~ Poisson(λ)` with
/// `λ ~ Gamma(shape φ, rate φ/μ)`. `φ → ∞` is the Poisson distribution with mean `μ`.
///
/// # Formula
///
/// ```text
/// log P(k | μ, φ) = ln Γ(k+φ) - ln Γ(φ) - ln k! + k ln(μ/(μ+φ)) + φ ln(φ/(μ+φ))
/// ∂/∂μ = φ (k - μ) / (μ (μ+φ))
/// ∂/∂φ = ψ(k+φ) - ψ(φ) + ln(φ/(μ+φ)) + (μ - k)/(μ+φ)
///      = log1pmx(t) + [ψ(k+φ) - ψ(φ) - ln(1 + k/φ)],    t = (k-μ)/(μ+φ)
/// ```
///
/// with `log1pmx(t) = ln(1+t) - t`. In scipy's terms this is `nbinom(n = φ, p = φ/(μ+φ))`.
///
/// The log mass is evaluated in Loader's saddle-point form (the negative binomial is
/// `φ/(k+φ)` times a binomial mass at `φ` successes in `k+φ` trials), for `k ≥ 1`:
///
/// ```text
/// log P = -½ ln(1 + k/φ) - ½ ln(2πk) + δ(k+φ) - δ(φ) - δ(k) + φ·log1pmx(t) + k·log1pmx(-φt/k)
/// ```
///
/// (`δ` the Stirling remainder, see [`Poisson`](crate::distributions::Poisson)), and
/// `log P(0) = -φ ln(1 + μ/φ)`. No two large terms cancel: as `φ → ∞` every `φ`-term
/// vanishes and what is left is Poisson's saddle-point form, so the mass is accurate for
/// any `φ` (`1e15` included) and any count. In `∂/∂φ` the bracket is evaluated from the
/// asymptotic series of `ψ` (`φ ≥ 10`: `k/(2φ(k+φ)) - R(k+φ) + R(φ)`), so the `O(k/φ)`
/// terms never cancel numerically either.
///
/// Support: `k ∈ {0, 1, 2, ...}`. Parameters: `mu > 0` (mean, not log mean: see
/// [`NegativeBinomial2Log`]), `phi > 0` (dispersion, not its inverse), both finite with
/// `μ + φ` finite, and `phi` a normal (not subnormal) double. A negative `k` or an invalid
/// parameter gives `-∞` with zero partials.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when a parameter is invalid,
/// or when `mu` is so large that a draw (or its gamma-mixed rate) exceeds
/// [`MAX_SAMPLE_RATE`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{DiscreteDistribution, NegativeBinomial2, Poisson};
/// // φ = 1: geometric with p = 1/(1+μ): P(k) = p (1-p)ᵏ.
/// let lp = NegativeBinomial2(3.0, 1.0).lpmf(2);
/// assert!((lp - (0.25f64.ln() + 2.0 * 0.75f64.ln())).abs() < 1e-14);
/// // Huge dispersion is Poisson.
/// let nb = NegativeBinomial2(4.0, 1e15).lpmf(6);
/// assert!((nb - Poisson(4.0).lpmf(6)).abs() < 1e-13);
/// let (_, NegativeBinomial2(dmu, dphi)) = NegativeBinomial2(4.0, 1e15).lpmf_grad(6);
/// assert!((dmu - 0.5).abs() < 1e-13);          // Poisson's k/μ - 1
/// assert!(dphi.abs() < 1e-29);                 // -((k-μ)² - k)/(2φ²) = 1e-30
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NegativeBinomial2<M, P>(pub M, pub P);

crate::discrete_distribution!(
    NegativeBinomial2,
    neg_binomial_2_lpmf,
    neg_binomial_2_lpmf_vjp,
    [mu: M, phi: P]
);

/// `phi` positive, finite and normal (so `1/φ` and `k/φ` stay finite for small counts).
#[inline]
fn phi_ok(phi: f64) -> bool {
    phi >= f64::MIN_POSITIVE && phi.is_finite()
}

impl<S: Scalar> DiscreteDistribution<S> for NegativeBinomial2<S, S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let NegativeBinomial2(mu, phi) = *self;
        let (m, p) = (mu.value(), phi.value());
        if k < 0 || !(m > 0.0 && phi_ok(p) && (m + p).is_finite()) {
            return neg_inf();
        }
        nb2_lp(k, mu, || mu.ln(), phi)
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let NegativeBinomial2(mu, phi) = *self;
        let (m, p) = (mu.value(), phi.value());
        if k < 0 || !(m > 0.0 && phi_ok(p) && (m + p).is_finite()) {
            return (neg_inf(), NegativeBinomial2(S::zero(), S::zero()));
        }
        let lp = nb2_lp(k, mu, || mu.ln(), phi);
        let (mu_dmu, dphi) = nb2_partials(k, mu, || mu.ln(), phi);
        (lp, NegativeBinomial2(mu_dmu / mu, dphi))
    }
}

impl Sample for NegativeBinomial2<f64, f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        validation::positive("NegativeBinomial2", "mu", self.0)?;
        validation::positive("NegativeBinomial2", "phi", self.1)?;
        check_sample_rate("NegativeBinomial2", "mu", self.0, self.0)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        draw_negative_binomial(rng, "NegativeBinomial2", "mu", self.0, self.0, self.1)
    }
}

/// Negative binomial distribution with log mean `eta` and dispersion `phi` (Stan's
/// `neg_binomial_2_log`): `NegativeBinomial2(exp(eta), phi)`.
///
/// # Formula
///
/// ```text
/// log P(k | η, φ) = log P(k | μ = eᵑ, φ) of NegativeBinomial2
/// ∂/∂η = φ (k - μ) / (μ+φ)        ∂/∂φ as for NegativeBinomial2
/// ```
///
/// `ln μ = η` is used directly wherever the mass needs `ln μ` (so `eᵑ` may underflow to 0:
/// `log P(k) = kη + ...` stays exact).
///
/// Support: `k ∈ {0, 1, 2, ...}`. Parameters: `eta` finite (log mean), `phi > 0` finite
/// and normal, with `eᵑ + φ` finite. `eᵑ` overflowing (`η > 709.78`) is outside the
/// domain: `-∞` with zero partials, as for a negative `k` or a non-finite parameter.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when a parameter is invalid
/// or `exp(eta)` exceeds [`MAX_SAMPLE_RATE`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{
///     neg_binomial_2_log_lpmf, DiscreteDistribution, NegativeBinomial2, NegativeBinomial2Log,
/// };
/// let lp = NegativeBinomial2Log(1.5, 2.0).lpmf(4);
/// assert!((lp - NegativeBinomial2(1.5f64.exp(), 2.0).lpmf(4)).abs() < 1e-14);
/// let (_, NegativeBinomial2Log(deta, _)) = NegativeBinomial2Log(0.0, 2.0).lpmf_grad(4);
/// assert!((deta - 2.0).abs() < 1e-15);        // φ (k - μ)/(μ + φ) = 2·3/3
/// assert!(neg_binomial_2_log_lpmf(3, -800.0, 1.0).is_finite());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NegativeBinomial2Log<E, P>(pub E, pub P);

crate::discrete_distribution!(
    NegativeBinomial2Log,
    neg_binomial_2_log_lpmf,
    neg_binomial_2_log_lpmf_vjp,
    [eta: E, phi: P]
);

impl<S: Scalar> DiscreteDistribution<S> for NegativeBinomial2Log<S, S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let NegativeBinomial2Log(eta, phi) = *self;
        let mu = eta.exp();
        let p = phi.value();
        if k < 0 || !(eta.is_finite() && phi_ok(p) && (mu.value() + p).is_finite()) {
            return neg_inf();
        }
        nb2_lp(k, mu, || eta, phi)
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let NegativeBinomial2Log(eta, phi) = *self;
        let mu = eta.exp();
        let p = phi.value();
        if k < 0 || !(eta.is_finite() && phi_ok(p) && (mu.value() + p).is_finite()) {
            return (neg_inf(), NegativeBinomial2Log(S::zero(), S::zero()));
        }
        let lp = nb2_lp(k, mu, || eta, phi);
        let (deta, dphi) = nb2_partials(k, mu, || eta, phi);
        (lp, NegativeBinomial2Log(deta, dphi))
    }
}

impl Sample for NegativeBinomial2Log<f64, f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        validation::finite("NegativeBinomial2Log", "eta", self.0)?;
        validation::positive("NegativeBinomial2Log", "phi", self.1)?;
        check_sample_rate("NegativeBinomial2Log", "eta", self.0, self.0.exp())
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        let mu = self.0.exp();
        draw_negative_binomial(rng, "NegativeBinomial2Log", "eta", self.0, mu, self.1)
    }
}

/// A gamma–Poisson draw for validated parameters; a gamma-mixed rate above
/// `MAX_SAMPLE_RATE` (possible for a huge mean and tiny `φ`) is an error naming the mean.
fn draw_negative_binomial<R: Rng + ?Sized>(
    rng: &mut R,
    distribution: &'static str,
    parameter: &'static str,
    value: f64,
    mu: f64,
    phi: f64,
) -> Result<i64> {
    let lambda = match rand_distr::Gamma::new(phi, mu / phi) {
        Ok(g) => g.sample(rng),
        Err(_) => {
            return Err(Error::InvalidParameter {
                distribution,
                parameter: "phi",
                value: phi,
                requirement: "finite and > 0, with mu/phi finite",
            })
        }
    };
    if lambda <= MAX_SAMPLE_RATE {
        Ok(draw_poisson(rng, lambda))
    } else {
        Err(Error::InvalidParameter {
            distribution,
            parameter,
            value,
            requirement: "small enough that the gamma-mixed rate stays below 1e18 (draws are i64)",
        })
    }
}

/// `log P(k | μ, φ)` for valid parameters (see [`NegativeBinomial2`] for the form), with
/// `ln μ` supplied lazily (needed only where `μ` is extreme relative to `k` or `φ`).
#[inline]
fn nb2_lp<S: Scalar>(k: i64, mu: S, ln_mu: impl Fn() -> S, phi: S) -> S {
    if k == 0 {
        // φ ln(φ/(μ+φ)) = -φ ln(1 + μ/φ) = -μ ln(1 + x)/x, x = μ/φ.
        let x = mu / phi;
        return if x.value() < 1e-5 {
            // ln(1+x)/x = 1 - x/2 + x²/3 - ...: no underflow of x (μ ≪ φ) loses μ.
            -(mu * (-(x * (-(x / 3.0) + 0.5)) + 1.0))
        } else if x.is_finite() {
            -(phi * x.ln_1p())
        } else {
            -(phi * (ln_mu() - phi.ln()))
        };
    }
    let kf = k as f64;
    let mpp = mu + phi;
    let kpp = phi + kf;
    let t1 = (-mu + kf) / mpp;
    // φ·log1pmx(t1) = -bd0(φ, (k+φ)φ/(μ+φ)); 1 + t1 = (k+φ)/(μ+φ).
    let lm1 = log1pmx_or(t1, || ln_ratio(kpp, mu, &ln_mu, phi));
    // k·log1pmx(t2) = -bd0(k, (k+φ)μ/(μ+φ)); 1 + t2 = (k+φ)μ/((μ+φ)k).
    let t2 = -(t1 * phi) / kf;
    let lm2 = log1pmx_or(t2, || {
        let ratio = (kpp / mpp) * (mu / kf);
        if ratio.value().is_normal() {
            ratio.ln()
        } else {
            ln_ratio(kpp, mu, &ln_mu, phi) + ln_mu() - kf.ln()
        }
    });
    let k_over_phi = S::cst(kf) / phi;
    let ln1p_k_over_phi = if k_over_phi.is_finite() {
        k_over_phi.ln_1p()
    } else {
        kpp.ln() - phi.ln()
    };
    // ½ ln(2πk) + δ(k): constants of the count.
    let count_terms = kf.ln() * 0.5 + HALF_LN_2PI + stirlerr(kf);
    phi * lm1 + lm2 * kf - ln1p_k_over_phi * 0.5 + (stirlerr(kpp) - stirlerr(phi)) - count_terms
}

/// `(μ ∂/∂μ, ∂/∂φ)` of `log P(k | μ, φ)` for valid parameters (see [`NegativeBinomial2`]).
#[inline]
fn nb2_partials<S: Scalar>(k: i64, mu: S, ln_mu: impl Fn() -> S, phi: S) -> (S, S) {
    let kf = k as f64;
    let mpp = mu + phi;
    let kpp = phi + kf;
    let t1 = (-mu + kf) / mpp;
    let lm1 = log1pmx_or(t1, || ln_ratio(kpp, mu, &ln_mu, phi));
    (phi * t1, lm1 + digamma_shift_excess(k, phi))
}

/// `ln((k+φ)/(μ+φ))` (`kpp = k+φ`), from the ratio unless it leaves the normal range
/// (`μ` near `f64::MAX`), then as `ln(k+φ) - ln μ - ln(1 + φ/μ)`.
#[inline]
fn ln_ratio<S: Scalar>(kpp: S, mu: S, ln_mu: &impl Fn() -> S, phi: S) -> S {
    let ratio = kpp / (mu + phi);
    if ratio.value().is_normal() {
        ratio.ln()
    } else {
        kpp.ln() - (ln_mu() + (phi / mu).ln_1p())
    }
}

/// `ψ(k+φ) - ψ(φ) - ln(1 + k/φ)` for `k ≥ 0`, `φ > 0`, without cancellation:
///
/// ```text
/// φ ≥ 10:          k/(2φ(k+φ)) - R(k+φ) + R(φ)
/// φ < 10 ≤ k+φ:    ln φ - ψ(φ) - 1/(2(k+φ)) - R(k+φ)
/// k+φ < 10:        Σⱼ₌₀ᵏ⁻¹ 1/(φ+j) - ln(1 + k/φ)
/// ```
///
/// with `R(x) = ln x - 1/(2x) - ψ(x)` the asymptotic remainder of `ψ`.
#[inline]
fn digamma_shift_excess<S: Scalar>(k: i64, phi: S) -> S {
    if k == 0 {
        return S::zero();
    }
    let kf = k as f64;
    let kpp = phi + kf;
    if phi.value() >= 10.0 {
        (phi * kpp * 2.0).recip() * kf - (digamma_remainder(kpp) - digamma_remainder(phi))
    } else if kpp.value() >= 10.0 {
        phi.ln() - digamma(phi) - (kpp * 2.0).recip() - digamma_remainder(kpp)
    } else {
        let mut sum = S::zero();
        for j in 0..k {
            sum += (phi + j as f64).recip();
        }
        let k_over_phi = S::cst(kf) / phi;
        let ln1p = if k_over_phi.is_finite() {
            k_over_phi.ln_1p()
        } else {
            kpp.ln() - phi.ln()
        };
        sum - ln1p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::distributions::Poisson;
    use crate::math::{lgamma, trigamma};
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    const KS: [i64; 7] = [0, 1, 3, 9, 10, 40, 2000];

    #[test]
    fn gradients_match_finite_differences() {
        type Family = NegativeBinomial2<(), ()>;
        check_discrete_gradients::<Family>(
            &KS,
            &[Domain::LogUniform(1e-2, 1e4), Domain::LogUniform(1e-3, 1e3)],
        );
        // Nearly Poisson: huge dispersion.
        check_discrete_gradients::<Family>(
            &[0, 2, 30],
            &[Domain::LogUniform(0.5, 50.0), Domain::LogUniform(1e3, 1e12)],
        );
        // Tiny dispersion, large counts and means.
        check_discrete_gradients::<Family>(
            &[1, 5, 1_000_000],
            &[Domain::LogUniform(1e3, 1e7), Domain::LogUniform(1e-6, 1e-1)],
        );
    }

    #[test]
    fn log_gradients_match_finite_differences() {
        type Family = NegativeBinomial2Log<(), ()>;
        check_discrete_gradients::<Family>(
            &KS,
            &[Domain::Interval(-5.0, 9.0), Domain::LogUniform(1e-3, 1e3)],
        );
        check_discrete_gradients::<Family>(
            &[0, 4, 300],
            &[
                Domain::Interval(-600.0, -100.0),
                Domain::LogUniform(1e-2, 1e2),
            ],
        );
        check_discrete_gradients::<Family>(
            &[2, 25],
            &[Domain::Interval(-1.0, 4.0), Domain::LogUniform(1e4, 1e12)],
        );
    }

    #[test]
    fn digamma_shift_excess_matches_its_definition() {
        // Where the direct difference is well conditioned, every branch agrees with it.
        for k in [1i64, 3, 9, 10, 25, 400] {
            for phi in [0.05, 0.7, 3.0, 9.5, 10.0, 14.0, 60.0] {
                let kf = k as f64;
                let direct = digamma(kf + phi) - digamma(phi) - (kf / phi).ln_1p();
                let scale = digamma(kf + phi).abs() + digamma(phi).abs() + (kf / phi).ln_1p();
                let got = digamma_shift_excess(k, phi);
                assert!(
                    (got - direct).abs() <= 1e-14 * scale,
                    "k = {k}, φ = {phi}: {got:e} vs {direct:e}"
                );
                // Its tangent is trigamma(k+φ) - trigamma(φ) + k/(φ(k+φ)).
                let d = digamma_shift_excess(k, Dual::new(phi, 1.0)).d;
                let want = trigamma(kf + phi) - trigamma(phi) + kf / (phi * (kf + phi));
                let scale = trigamma(phi) + kf / (phi * (kf + phi));
                assert!(
                    (d - want).abs() <= 1e-13 * scale,
                    "tangent at k = {k}, φ = {phi}"
                );
            }
        }
        // Huge φ: k/(2φ²) to leading order, where the direct difference is pure rounding.
        let e = digamma_shift_excess(4, 1e12);
        let want = 4.0 / (2e12 * (1e12 + 4.0));
        assert!((e - want).abs() < 1e-12 * e, "{e:e}");
    }

    #[test]
    fn agrees_with_the_direct_formula_where_it_is_well_conditioned() {
        for (mu, phi) in [(0.3, 0.5), (4.0, 2.0), (20.0, 7.0), (150.0, 40.0)] {
            for k in [0i64, 1, 2, 7, 15, 16, 60] {
                let kf = k as f64;
                let direct = lgamma(kf + phi) - lgamma(phi) - lgamma(kf + 1.0)
                    + kf * (mu / (mu + phi)).ln()
                    + phi * (phi / (mu + phi)).ln();
                let got = NegativeBinomial2(mu, phi).lpmf(k);
                assert!(
                    (got - direct).abs() < 1e-12 * direct.abs().max(10.0),
                    "NB2({mu}, {phi}) at {k}: {got} vs {direct}"
                );
            }
        }
    }

    #[test]
    fn huge_dispersion_is_poisson() {
        // log NB - log Poisson = ((k-μ)² - k)/(2φ) + O(φ⁻²): below 1e-13 here.
        for (phi, ks, mus) in [
            (1e15, &[0i64, 1, 6, 40][..], &[0.1, 5.0, 120.0][..]),
            (1e25, &[0, 1, 6, 40, 100_000], &[0.1, 5.0, 120.0, 1e5]),
        ] {
            for &k in ks {
                for &mu in mus {
                    let nb = NegativeBinomial2(mu, phi).lpmf(k);
                    let p = Poisson(mu).lpmf(k);
                    assert!(
                        (nb - p).abs() <= 1e-12 * p.abs().max(1.0),
                        "k = {k}, μ = {mu}, φ = {phi}: {nb} vs {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        let bad: &[&[f64]] = &[
            &[0.0, 1.0],
            &[-1.0, 1.0],
            &[1.0, 0.0],
            &[1.0, -2.0],
            &[1.0, 1e-310],
            &[f64::NAN, 1.0],
            &[1.0, f64::NAN],
            &[f64::INFINITY, 1.0],
            &[1.0, f64::INFINITY],
            &[1.5e308, 1.5e308],
        ];
        check_invalid_params_discrete::<NegativeBinomial2<(), ()>>(3, bad);
        check_invalid_params_discrete::<NegativeBinomial2<(), ()>>(-1, &[&[1.0, 1.0]]);
        check_invalid_params_discrete::<NegativeBinomial2Log<(), ()>>(
            3,
            &[
                &[f64::NAN, 1.0],
                &[f64::INFINITY, 1.0],
                &[f64::NEG_INFINITY, 1.0],
                &[710.0, 1.0],
                &[0.0, 0.0],
                &[0.0, -1.0],
                &[0.0, f64::INFINITY],
            ],
        );
        check_invalid_params_discrete::<NegativeBinomial2Log<(), ()>>(-2, &[&[0.0, 1.0]]);
        let mut rng = crate::testing::rng_for("nb2-invalid");
        let err = NegativeBinomial2(1.0, -1.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "NegativeBinomial2: parameter `phi` = -1 but it must be finite and > 0"
        );
        assert!(NegativeBinomial2(1e19, 1.0).sample(&mut rng).is_err());
        assert!(NegativeBinomial2Log(f64::NAN, 1.0)
            .sample(&mut rng)
            .is_err());
        assert!(NegativeBinomial2Log(50.0, 1.0).sample(&mut rng).is_err());
    }

    #[test]
    fn zero_count_keeps_a_tiny_mean() {
        // log P(0) = -φ ln(1 + μ/φ) ≈ -μ when μ/φ underflows.
        assert_eq!(NegativeBinomial2(1e-300, 1e300).lpmf(0), -1e-300);
        let lp = NegativeBinomial2(3e-6, 1.0).lpmf(0);
        assert!((lp + 2.999_995_500_009e-6).abs() < 1e-20, "{lp:e}");
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("neg_binomial_2", |p, k| {
            NegativeBinomial2(p[0], p[1]).lpmf(k as i64)
        });
        check_reference_table("neg_binomial_2_log", |p, k| {
            NegativeBinomial2Log(p[0], p[1]).lpmf(k as i64)
        });
    }

    #[test]
    fn sampler_moments() {
        for (mu, phi) in [(3.0, 2.0), (0.4, 0.3), (50.0, 1e9), (1e4, 5.0)] {
            let d = NegativeBinomial2(mu, phi);
            check_moments(
                &format!("NegativeBinomial2({mu}, {phi})"),
                |rng| d.sample(rng).unwrap() as f64,
                mu,
                mu + mu * mu / phi,
            );
        }
        let d = NegativeBinomial2Log(1.0, 3.0);
        let mu = 1f64.exp();
        check_moments(
            "NegativeBinomial2Log",
            |rng| d.sample(rng).unwrap() as f64,
            mu,
            mu + mu * mu / 3.0,
        );
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = neg_binomial_2_lpmf(5, 2.5, 1.5);
        let (dmu, dphi) = neg_binomial_2_lpmf_vjp(5, 2.5, 1.5, lp, 2.0);
        let (_, NegativeBinomial2(gmu, gphi)) = NegativeBinomial2(2.5, 1.5).lpmf_grad(5);
        assert_eq!(lp, NegativeBinomial2(2.5, 1.5).lpmf(5));
        assert_eq!((dmu, dphi), (2.0 * gmu, 2.0 * gphi));

        let lp = neg_binomial_2_log_lpmf(5, 0.9, 1.5);
        let (deta, dphi) = neg_binomial_2_log_lpmf_vjp(5, 0.9, 1.5, lp, -1.0);
        let (_, NegativeBinomial2Log(geta, gphi)) = NegativeBinomial2Log(0.9, 1.5).lpmf_grad(5);
        assert_eq!(lp, NegativeBinomial2Log(0.9, 1.5).lpmf(5));
        assert_eq!((deta, dphi), (-geta, -gphi));
        // The chain rule between the two parameterisations.
        let mu = 0.9f64.exp();
        let (_, NegativeBinomial2(gmu, gphi2)) = NegativeBinomial2(mu, 1.5).lpmf_grad(5);
        assert!((geta - mu * gmu).abs() < 1e-14);
        assert!((gphi - gphi2).abs() < 1e-14);
    }

    #[test]
    fn partials_match_reference_values() {
        // First and second derivatives (through Dual) against mpmath, at huge counts and
        // dispersions where finite differences cannot resolve them.
        let grad = |p: &[f64], k: f64| {
            let d = NegativeBinomial2(Dual::new(p[0], 0.0), Dual::new(p[1], 1.0));
            let (_, NegativeBinomial2(dmu, dphi)) = d.lpmf_grad(k as i64);
            (dmu, dphi)
        };
        check_reference_table("neg_binomial_2_dmu", |p, k| grad(p, k).0.v);
        check_reference_table("neg_binomial_2_dphi", |p, k| grad(p, k).1.v);
        check_reference_table("neg_binomial_2_dmu_dphi", |p, k| grad(p, k).0.d);
        check_reference_table("neg_binomial_2_dphi_dphi", |p, k| grad(p, k).1.d);
    }
}
