//! The Poisson and PoissonLog distributions (rate, or log rate), and the saddle-point
//! pieces shared by the count distributions: Loader's deviance `bd0` and the Stirling
//! remainder `δ`.

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::normal::HALF_LN_2PI;
use crate::distributions::{validation, DiscreteDistribution, Sample};
use crate::error::{Error, Result};
use crate::math::{lgamma, ScalarMath};
use rand::Rng;
use rand_distr::Distribution as _;

/// Poisson distribution with rate (mean) `lambda` (Stan's `poisson`).
///
/// # Formula
///
/// ```text
/// log P(k | λ) = k ln λ - λ - ln k!              ∂/∂λ = k/λ - 1
/// ```
///
/// For `k ≥ 16` the terms `k ln λ`, `λ` and `ln k!` are each of size `k ln k` while their
/// sum is of size `ln k`, so the log mass is computed in the saddle-point form of
/// Loader (2000):
///
/// ```text
/// log P(k | λ) = -bd0(k, λ) - ½ ln(2πk) - δ(k)
/// bd0(k, λ)    = k ln(k/λ) - k + λ = -k·log1pmx((λ-k)/k)      (≥ 0, no cancellation)
/// δ(k)         = ln k! - (k+½) ln k + k - ½ ln 2π              (Stirling remainder)
/// ```
///
/// with `log1pmx(t) = ln(1+t) - t` summed as a series near `t = 0`. This keeps full
/// relative accuracy for counts up to `i64::MAX` at any rate (e.g. `k = λ = 10⁹`, where
/// the naive sum would lose six digits).
///
/// Support: `k ∈ {0, 1, 2, ...}`. Parameter: `lambda ≥ 0` finite (a rate, not a log rate:
/// see [`PoissonLog`]). `λ = 0` is allowed: `log P(0 | 0) = 0` (partial `-1`) and
/// `log P(k | 0) = -∞` for `k > 0`. A negative `k`, or `λ` negative or not finite, gives
/// `-∞` with zero partials.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when `lambda` is negative,
/// not finite, or above [`MAX_SAMPLE_RATE`] (draws are `i64`).
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{poisson_lpmf, DiscreteDistribution, Poisson};
/// let lp = Poisson(2.0).lpmf(3);
/// assert!((lp - (3.0 * 2f64.ln() - 2.0 - 6f64.ln())).abs() < 1e-15);
/// let (_, Poisson(dlambda)) = Poisson(2.0).lpmf_grad(3);
/// assert!((dlambda - 0.5).abs() < 1e-15);
/// // Huge counts keep their accuracy: log P(10⁹ | 10⁹) ≈ -½ ln(2π·10⁹).
/// let lp = poisson_lpmf(1_000_000_000, 1e9);
/// assert!((lp + 11.280_571_451_761_212).abs() < 1e-13);
/// ```
///
/// # References
///
/// C. Loader, *Fast and accurate computation of binomial probabilities* (2000).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Poisson<L>(pub L);

crate::discrete_distribution!(Poisson, poisson_lpmf, poisson_lpmf_vjp, [lambda: L]);

/// Largest rate (or mean) a count distribution draws from: draws must fit in `i64`.
pub const MAX_SAMPLE_RATE: f64 = 1e18;

impl<S: Scalar> DiscreteDistribution<S> for Poisson<S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let lambda = self.0;
        let l = lambda.value();
        if k < 0 || !(l >= 0.0 && l.is_finite()) {
            return neg_inf();
        }
        if l == 0.0 {
            return if k == 0 { S::zero() } else { neg_inf() };
        }
        poisson_lp(k, lambda, || lambda.ln())
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let lambda = self.0;
        let l = lambda.value();
        if k < 0 || !(l >= 0.0 && l.is_finite()) || (l == 0.0 && k > 0) {
            return (neg_inf(), Poisson(S::zero()));
        }
        if l == 0.0 {
            return (S::zero(), Poisson(S::cst(-1.0)));
        }
        let lp = poisson_lp(k, lambda, || lambda.ln());
        // k/λ - 1 as (k - λ)/λ: exact difference near the mode.
        (lp, Poisson((-lambda + k as f64) / lambda))
    }
}

impl Sample for Poisson<f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        validation::non_negative("Poisson", "lambda", self.0)?;
        check_sample_rate("Poisson", "lambda", self.0, self.0)
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        Ok(draw_poisson(rng, self.0))
    }
}

/// Poisson distribution with log rate `alpha` (Stan's `poisson_log`): `Poisson(exp(alpha))`
/// without forming `ln λ` from `λ`.
///
/// # Formula
///
/// ```text
/// log P(k | α) = k α - eᵅ - ln k!                ∂/∂α = k - eᵅ
/// ```
///
/// computed as [`Poisson`]'s, in the saddle-point form for `k ≥ 16`.
///
/// Support: `k ∈ {0, 1, 2, ...}`. Parameter: `alpha` finite (log rate). A negative `k` or a
/// non-finite `alpha` gives `-∞` with zero partials; so does `eᵅ = +∞` (`α > 709.78`),
/// where the log mass is below `-f64::MAX`. For `eᵅ` below the smallest double the
/// log mass is still exact: `k α - ln k!`.
///
/// # Errors
///
/// [`Sample::sample`] fails with [`Error::InvalidParameter`] when `alpha` is not finite or
/// `exp(alpha)` exceeds [`MAX_SAMPLE_RATE`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{poisson_log_lpmf, DiscreteDistribution, Poisson, PoissonLog};
/// let lp = PoissonLog(2f64.ln()).lpmf(3);
/// assert!((lp - Poisson(2.0).lpmf(3)).abs() < 1e-15);
/// // A rate of e⁻¹⁰⁰⁰ underflows, its log mass does not: 1·(-1000) - ln 1! = -1000.
/// assert_eq!(poisson_log_lpmf(1, -1000.0), -1000.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoissonLog<A>(pub A);

crate::discrete_distribution!(PoissonLog, poisson_log_lpmf, poisson_log_lpmf_vjp, [alpha: A]);

impl<S: Scalar> DiscreteDistribution<S> for PoissonLog<S> {
    #[inline]
    fn lpmf(&self, k: i64) -> S {
        let alpha = self.0;
        if k < 0 || !alpha.is_finite() {
            return neg_inf();
        }
        let lambda = alpha.exp();
        if !lambda.is_finite() {
            return neg_inf();
        }
        poisson_lp(k, lambda, || alpha)
    }

    #[inline]
    fn lpmf_grad(&self, k: i64) -> (S, Self) {
        let alpha = self.0;
        if k < 0 || !alpha.is_finite() {
            return (neg_inf(), PoissonLog(S::zero()));
        }
        let lambda = alpha.exp();
        if !lambda.is_finite() {
            return (neg_inf(), PoissonLog(S::zero()));
        }
        let lp = poisson_lp(k, lambda, || alpha);
        (lp, PoissonLog(-lambda + k as f64))
    }
}

impl Sample for PoissonLog<f64> {
    type Value = i64;
    fn validate(&self) -> Result<()> {
        validation::finite("PoissonLog", "alpha", self.0)?;
        check_sample_rate("PoissonLog", "alpha", self.0, self.0.exp())
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<i64> {
        self.validate()?;
        Ok(draw_poisson(rng, self.0.exp()))
    }
}

/// `rate ≤ MAX_SAMPLE_RATE`, reported against the parameter the user gave.
pub(crate) fn check_sample_rate(
    distribution: &'static str,
    parameter: &'static str,
    value: f64,
    rate: f64,
) -> Result<()> {
    if rate <= MAX_SAMPLE_RATE {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            distribution,
            parameter,
            value,
            requirement: "small enough that the rate is at most 1e18 (draws are i64)",
        })
    }
}

/// One Poisson draw for a validated rate `0 ≤ λ ≤ MAX_SAMPLE_RATE`.
pub(crate) fn draw_poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> i64 {
    match rand_distr::Poisson::new(lambda) {
        Ok(d) => d.sample(rng) as i64,
        // `λ = 0` (the only valid rate rand_distr rejects): no events.
        Err(_) => 0,
    }
}

/// Smallest count evaluated in the saddle-point form (below it `ln k!` is small and the
/// direct sum loses nothing).
const SADDLE_POINT_MIN_COUNT: i64 = 16;

/// `ln k!` for `k < SADDLE_POINT_MIN_COUNT`, correctly rounded (from mpmath at 40
/// digits): the direct form's normalising term without an `ln Γ` call per observation.
const LN_FACTORIAL: [f64; SADDLE_POINT_MIN_COUNT as usize] = [
    0.0,
    0.0,
    std::f64::consts::LN_2,
    1.791759469228055,
    3.1780538303479458,
    4.787491742782046,
    6.579251212010101,
    8.525161361065415,
    10.60460290274525,
    12.801827480081469,
    15.104412573075516,
    17.502307845873887,
    19.987214495661885,
    22.552163853123425,
    25.19122118273868,
    27.89927138384089,
];

/// `log P(k | λ)` for `k ≥ 0`, `0 < λ < ∞`, given `ln λ` lazily (it is needed only by the
/// direct form and far from the mode).
#[inline]
fn poisson_lp<S: Scalar>(k: i64, lambda: S, ln_lambda: impl FnOnce() -> S) -> S {
    if k == 0 {
        return -lambda;
    }
    let kf = k as f64;
    if k < SADDLE_POINT_MIN_COUNT {
        return ln_lambda() * kf - lambda - LN_FACTORIAL[k as usize];
    }
    let t = (lambda - kf) / kf;
    let dev = log1pmx_or(t, || {
        // ln(1 + t) = ln(λ/k): the ratio when it is a normal number, else the difference.
        let ratio = lambda / kf;
        if ratio.value().is_normal() {
            ratio.ln()
        } else {
            ln_lambda() - kf.ln()
        }
    }) * kf;
    dev - ((kf * std::f64::consts::TAU).ln() * 0.5 + stirlerr(kf))
}

/// `ln(1 + t) - t` for `t > -1`: the series
/// `-t v + 2 Σⱼ v²ʲ⁺¹/(2j+1)`, `v = t/(2+t)`, for `|t| ≤ ¼` (no cancellation); elsewhere
/// `ln1p_t() - t` with `ln(1 + t)` supplied by the caller, who can often compute it more
/// accurately than `ln_1p(t)` (e.g. as the log of a ratio when `t` is near `-1`).
///
/// `-x · log1pmx((λ-x)/x) = x ln(x/λ) - x + λ` is Loader's deviance `bd0(x, λ)`.
#[inline]
pub(crate) fn log1pmx_or<S: Scalar>(t: S, ln1p_t: impl FnOnce() -> S) -> S {
    if t.value().abs() > 0.25 {
        return ln1p_t() - t;
    }
    let v = t / (t + 2.0);
    let v2 = v * v;
    let mut power = v * v2;
    let mut sum = power / 3.0;
    // |v| ≤ 1/7: each term is at most 1/49 of the previous; 12 terms reach 1e-20.
    for j in 2..14 {
        power *= v2;
        let term = power / (2 * j + 1) as f64;
        sum += term;
        if term.value().abs() <= 1e-17 * sum.value().abs() {
            break;
        }
    }
    sum * 2.0 - t * v
}

/// `ln(1 + t) - t` with `ln(1 + t) = ln_1p(t)`: see [`log1pmx_or`].
#[cfg(test)]
fn log1pmx<S: Scalar>(t: S) -> S {
    log1pmx_or(t, || t.ln_1p())
}

/// Stirling-series coefficients `B₂ₙ/(2n(2n-1))`, `n = 1..9`.
const STIRLING: [f64; 9] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360_360.0,
    1.0 / 156.0,
    -3617.0 / 122_400.0,
    43867.0 / 244_188.0,
];

/// Smallest argument of the asymptotic series (9 terms: truncation below `2e-18`).
const STIRLING_MIN: f64 = 10.0;

/// The Stirling remainder `δ(x) = ln Γ(x+1) - (x+½) ln x + x - ½ ln 2π` for `x > 0`
/// (Loader's `stirlerr`; equal to `ln Γ(x) - [(x-½) ln x - x + ½ ln 2π]`).
///
/// `x ≥ 10`: `Σₙ B₂ₙ/(2n(2n-1) x²ⁿ⁻¹)`; below, from `lgamma` (the terms are then at most
/// of size 25, so the result is accurate to about `1e-14` absolute). `δ'(x) = -R(x)`, see
/// [`digamma_remainder`].
#[inline]
pub(crate) fn stirlerr<S: Scalar>(x: S) -> S {
    if x.value() >= STIRLING_MIN {
        let r = x.recip();
        let r2 = r * r;
        let mut acc = S::cst(STIRLING[8]);
        for c in STIRLING[..8].iter().rev() {
            acc = acc * r2 + *c;
        }
        acc * r
    } else {
        lgamma(x + 1.0) - (x + 0.5) * x.ln() + x - HALF_LN_2PI
    }
}

/// `R(x) = ln x - 1/(2x) - ψ(x) = Σₙ B₂ₙ/(2n x²ⁿ)` for `x ≥ 10` (the remainder of the
/// asymptotic series of the digamma function; `R(x) = -δ'(x)`).
#[inline]
pub(crate) fn digamma_remainder<S: Scalar>(x: S) -> S {
    debug_assert!(x.value() >= STIRLING_MIN);
    let r2 = x.recip().square();
    // B₂ₙ/(2n) = (2n-1) · STIRLING[n-1].
    let mut acc = S::cst(STIRLING[8] * 17.0);
    for (n, c) in STIRLING[..8].iter().enumerate().rev() {
        acc = acc * r2 + *c * (2 * n + 1) as f64;
    }
    acc * r2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::distribution_checks::*;
    use crate::testing::Domain;

    #[test]
    fn factorial_table_is_ln_gamma() {
        let mut f = 1.0f64;
        for (k, &v) in LN_FACTORIAL.iter().enumerate() {
            if k > 0 {
                f *= k as f64; // exact below 2^53
            }
            assert!((v - f.ln()).abs() <= f64::EPSILON * v.max(1.0), "{k}");
            assert!(
                (v - lgamma(k as f64 + 1.0)).abs() <= 4.0 * f64::EPSILON * v.max(1.0),
                "{k}"
            );
        }
    }

    #[test]
    fn poisson_gradients_match_finite_differences() {
        type Family = Poisson<()>;
        let ks = [0, 1, 5, 15, 16, 40, 1000];
        check_discrete_gradients::<Family>(&ks, &[Domain::LogUniform(1e-3, 1e4)]);
        // Rates next to a huge count, where the saddle-point form matters.
        check_discrete_gradients::<Family>(&[1_000_000_000], &[Domain::Interval(0.9e9, 1.1e9)]);
        // (Beyond 1e±150 the second derivative -k/λ² is not representable.)
        check_discrete_gradients::<Family>(&[3], &[Domain::LogUniform(1e-150, 1e150)]);
    }

    #[test]
    fn poisson_log_gradients_match_finite_differences() {
        type Family = PoissonLog<()>;
        let ks = [0, 1, 5, 16, 40, 1000];
        check_discrete_gradients::<Family>(&ks, &[Domain::Interval(-10.0, 10.0)]);
        check_discrete_gradients::<Family>(&[0, 7, 100], &[Domain::Interval(-700.0, 30.0)]);
        let big = 1_000_000_000i64;
        let ln_big = (big as f64).ln();
        check_discrete_gradients::<Family>(&[big], &[Domain::Interval(ln_big - 0.1, ln_big + 0.1)]);
    }

    #[test]
    fn invalid_parameters_give_neg_inf_and_sampling_errors() {
        check_invalid_params_discrete::<Poisson<()>>(
            2,
            &[&[-1.0], &[-1e-300], &[f64::NAN], &[f64::INFINITY], &[0.0]],
        );
        check_invalid_params_discrete::<Poisson<()>>(-1, &[&[1.0], &[0.0]]);
        check_invalid_params_discrete::<PoissonLog<()>>(
            2,
            &[
                &[f64::NAN],
                &[f64::INFINITY],
                &[f64::NEG_INFINITY],
                &[710.0],
            ],
        );
        check_invalid_params_discrete::<PoissonLog<()>>(-3, &[&[0.0]]);
        let lp = Poisson(Dual::new(0.0, 1.0)).lpmf(4);
        assert_eq!((lp.v, lp.d), (f64::NEG_INFINITY, 0.0));

        let mut rng = crate::testing::rng_for("poisson-invalid");
        let err = Poisson(-2.0).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Poisson: parameter `lambda` = -2 but it must be finite and >= 0"
        );
        let err = Poisson(1e19).sample(&mut rng).unwrap_err();
        assert!(err.to_string().contains("at most 1e18"), "{err}");
        assert!(PoissonLog(50.0).sample(&mut rng).is_err());
        assert!(PoissonLog(f64::NAN).sample(&mut rng).is_err());
    }

    #[test]
    fn edges_are_exact() {
        assert_eq!(Poisson(0.0).lpmf(0), 0.0);
        assert_eq!(Poisson(0.0).lpmf_grad(0), (0.0, Poisson(-1.0)));
        assert_eq!(Poisson(2.5).lpmf(0), -2.5);
        assert_eq!(PoissonLog(-1000.0).lpmf(0), 0.0);
        let (lp, PoissonLog(da)) = PoissonLog(-1000.0).lpmf_grad(3);
        assert!((lp - (-3000.0 - 6f64.ln())).abs() < 1e-12);
        assert_eq!(da, 3.0);
    }

    #[test]
    fn matches_reference_values() {
        check_reference_table("poisson", |p, k| Poisson(p[0]).lpmf(k as i64));
        check_reference_table("poisson_log", |p, k| PoissonLog(p[0]).lpmf(k as i64));
    }

    #[test]
    #[allow(clippy::excessive_precision)] // mpmath's digits, as printed
    fn saddle_point_pieces_match_their_definitions() {
        // δ(x) and R(x) from mpmath (40 digits), on both sides of the series' threshold.
        let table = [
            (0.5, 0.153_426_409_720_027_35, None),
            (3.0, 0.027_677_925_684_998_339, None),
            (9.99, 0.008_338_896_797_734_330_1, None),
            (
                10.0,
                0.008_330_563_433_362_871_3,
                Some(0.000_832_503_927_324_576_37),
            ),
            (
                12.5,
                0.006_665_247_032_707_682_4,
                Some(0.000_532_993_033_343_391_63),
            ),
            (
                30.0,
                0.002_777_674_929_752_693_6,
                Some(9.258_230_996_383_218_5e-5),
            ),
            (
                100.0,
                0.000_833_330_555_634_914_68,
                Some(8.333_250_003_967_837_4e-6),
            ),
            (
                1e6,
                8.333_333_333_333_055_6e-8,
                Some(8.333_333_333_332_5e-14),
            ),
        ];
        for (x, delta, r) in table {
            let tol = if x < STIRLING_MIN {
                1e-14
            } else {
                1e-15 * delta
            };
            assert!(
                (stirlerr(x) - delta).abs() <= tol,
                "stirlerr({x}) = {}",
                stirlerr(x)
            );
            if let Some(r) = r {
                let got = digamma_remainder(x);
                assert!((got - r).abs() <= 1e-15 * r, "R({x}) = {got}");
            }
        }
        // δ'(x) = -R(x): the tangent of the series.
        let d = stirlerr(Dual::new(20.0, 1.0));
        assert!((d.d + digamma_remainder(20.0)).abs() < 1e-18);
        // ln(1+t) - t from mpmath (40 digits); the direct form loses digits near 0.
        for (t, want) in [
            (-0.9, -1.402_585_092_994_045_9),
            (-0.25, -0.037_682_072_451_780_927),
            (-1e-3, -5.003_335_835_335_001_6e-7),
            (1e-9, -4.999_999_996_666_667_3e-19),
            (0.1, -0.004_689_820_195_675_140_5),
            (0.25, -0.026_856_448_685_790_244),
            (3.0, -1.613_705_638_880_109_4),
        ] {
            let got = log1pmx(t);
            assert!(
                (got - want).abs() <= 4e-16 * want.abs(),
                "log1pmx({t}) = {got}"
            );
        }
        assert_eq!(log1pmx(0.0), 0.0);
    }

    #[test]
    fn sampler_moments() {
        for lambda in [0.0, 0.7, 3.5, 1e6] {
            let d = Poisson(lambda);
            check_moments(
                &format!("Poisson({lambda})"),
                |rng| d.sample(rng).unwrap() as f64,
                lambda,
                lambda,
            );
        }
        let d = PoissonLog(1.2);
        let l = 1.2f64.exp();
        check_moments("PoissonLog", |rng| d.sample(rng).unwrap() as f64, l, l);
    }

    #[test]
    fn stan_named_functions_follow_the_rule_convention() {
        let lp = poisson_lpmf(7, 3.0);
        let (dl,) = poisson_lpmf_vjp(7, 3.0, lp, 2.0);
        let (_, Poisson(g)) = Poisson(3.0).lpmf_grad(7);
        assert_eq!(lp, Poisson(3.0).lpmf(7));
        assert_eq!(dl, 2.0 * g);

        let lp = poisson_log_lpmf(7, 1.1);
        let (da,) = poisson_log_lpmf_vjp(7, 1.1, lp, -1.5);
        let (_, PoissonLog(g)) = PoissonLog(1.1).lpmf_grad(7);
        assert_eq!(lp, PoissonLog(1.1).lpmf(7));
        assert_eq!(da, -1.5 * g);
        assert!((lp - Poisson(1.1f64.exp()).lpmf(7)).abs() < 1e-14);
    }
}
