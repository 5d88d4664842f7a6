//! The Dirichlet distribution `Dirichlet(alpha)` on the probability simplex (Stan's
//! `dirichlet`).

use crate::ad::Scalar;
use crate::distributions::family::neg_inf;
use crate::distributions::gamma::{pos, standard_gamma};
use crate::distributions::{validation, Adjoint, Sample};
use crate::error::{Error, Result};
use crate::math::{digamma, lgamma, ScalarMath};
use crate::transforms::Support;
use rand::Rng;
use rand_distr::{Distribution as _, Open01};

/// Dirichlet distribution with concentrations `alpha = (α₁, …, α_K)` (Stan's
/// `dirichlet(alpha)`; scipy's `dirichlet(alpha)`), a distribution of probability vectors
/// `θ` (`θᵢ > 0`, `Σ θᵢ = 1`).
///
/// The value is a vector, so this is not a [`ContinuousDistribution`](crate::distributions::ContinuousDistribution):
/// it has its own [`lpdf`](Dirichlet::lpdf) and reverse rule [`lpdf_vjp`](Dirichlet::lpdf_vjp)
/// over slices, and the Stan-named [`dirichlet_lpdf`] / [`dirichlet_lpdf_vjp`]. `alpha` is
/// anything that views as a slice (`&[S]`, `Vec<S>`, `[S; K]`).
///
/// # Formula
///
/// ```text
/// log p(θ | α) = ln Γ(α₀) - Σᵢ ln Γ(αᵢ) + Σᵢ (αᵢ - 1) ln θᵢ,    α₀ = Σᵢ αᵢ
/// ∂/∂θᵢ = (αᵢ - 1)/θᵢ        ∂/∂αᵢ = ψ(α₀) - ψ(αᵢ) + ln θᵢ
/// ```
///
/// The density is evaluated (and differentiated) as a function of the full vector `θ`:
/// the partials `∂/∂θᵢ` are those of the formula with every `θᵢ` free, which the simplex
/// transform of a sample site then chains through. `lpdf` checks `θᵢ > 0` and finite, not
/// `Σ θᵢ = 1` (a sample site's transform guarantees it; observed data must be a simplex).
///
/// Support: [`Support::Simplex(K)`](Support::Simplex) (`K - 1` unconstrained reals).
/// Parameters: every `αᵢ > 0` finite, `K ≥ 1`. Invalid parameters, `θ` of another length
/// than `α`, or some `θᵢ ≤ 0` (a face of the simplex, where the density is `0`, finite or
/// `∞` depending on `αᵢ`) or non-finite give `-∞` and add nothing to the adjoints.
///
/// Sampling draws `gᵢ ~ Gamma(αᵢ, 1)` and returns `g / Σ g`, in log space
/// (`ln gᵢ = ln Gamma(αᵢ + 1) + ln(U)/αᵢ` for `αᵢ < 1`), so tiny concentrations give
/// vectors with some tiny entries rather than `0/0`.
///
/// # Errors
///
/// Drawing with an invalid `αᵢ` is an [`Error::InvalidParameter`];
/// with an empty `alpha`, an [`Error::DimensionMismatch`].
///
/// # Examples
///
/// ```
/// use ppl_core::distributions::{dirichlet_lpdf, Dirichlet};
/// use ppl_core::transforms::Support;
/// // Dirichlet(1, 1, 1) is uniform on the 2-simplex, whose area is 1/Γ(3) = 1/2.
/// let d = Dirichlet([1.0, 1.0, 1.0]);
/// let lp = d.lpdf(&[0.2, 0.3, 0.5]);
/// assert!((lp - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(dirichlet_lpdf(&[0.2, 0.3, 0.5], &[1.0, 1.0, 1.0]), lp);
/// assert_eq!(d.support(), Support::Simplex(3));
///
/// // The reverse rule accumulates into the adjoints.
/// let (mut theta_bar, mut alpha_bar) = ([0.0; 2], [0.0; 2]);
/// let lp = Dirichlet([3.0, 1.0]).lpdf_vjp(&[0.5, 0.5], 1.0, &mut theta_bar[..], &mut alpha_bar[..]);
/// assert!((lp - 0.75f64.ln()).abs() < 1e-15);     // p(θ) = 3 θ₁²
/// assert_eq!(theta_bar, [4.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dirichlet<A>(pub A);

/// `Σ αᵢ`, or `None` when `α`/`θ` are invalid (see [`Dirichlet`]).
#[inline]
fn checked_sum<S: Scalar>(theta: &[S], alpha: &[S]) -> Option<S> {
    if alpha.is_empty() || theta.len() != alpha.len() {
        return None;
    }
    let mut sum = S::zero();
    for (&t, &a) in theta.iter().zip(alpha) {
        if !(pos(a) && pos(t)) {
            return None;
        }
        sum += a;
    }
    pos(sum).then_some(sum)
}

impl<A> Dirichlet<A> {
    /// `log p(θ | α)`, normalising constant included (see [`Dirichlet`]).
    #[inline]
    pub fn lpdf<S: Scalar>(&self, theta: &[S]) -> S
    where
        A: AsRef<[S]>,
    {
        let alpha = self.0.as_ref();
        let Some(alpha0) = checked_sum(theta, alpha) else {
            return neg_inf();
        };
        let mut lp = lgamma(alpha0);
        for (&t, &a) in theta.iter().zip(alpha) {
            lp += (a - 1.0) * t.ln() - lgamma(a);
        }
        lp
    }

    /// Reverse rule: returns `log p(θ | α)` and accumulates
    /// `theta_bar[i] += lp_bar · ∂/∂θᵢ`, `alpha_bar[i] += lp_bar · ∂/∂αᵢ`. The sinks are
    /// `&mut [S]` (length `K`) or [`NoAdjoint`](crate::distributions::NoAdjoint) for data.
    /// Allocates nothing; outside the domain returns `-∞` and adds nothing.
    #[inline]
    pub fn lpdf_vjp<S: Scalar>(
        &self,
        theta: &[S],
        lp_bar: S,
        mut theta_bar: impl Adjoint<S>,
        mut alpha_bar: impl Adjoint<S>,
    ) -> S
    where
        A: AsRef<[S]>,
    {
        let alpha = self.0.as_ref();
        let Some(alpha0) = checked_sum(theta, alpha) else {
            return neg_inf();
        };
        let mut lp = lgamma(alpha0);
        let psi0 = digamma(alpha0);
        for (i, (&t, &a)) in theta.iter().zip(alpha).enumerate() {
            let ln_t = t.ln();
            let am1 = a - 1.0;
            lp += am1 * ln_t - lgamma(a);
            theta_bar.add(i, lp_bar * am1 / t);
            alpha_bar.add(i, lp_bar * (psi0 - digamma(a) + ln_t));
        }
        lp
    }

    /// `Simplex(K)`, `K` the length of `alpha`.
    #[inline]
    pub fn support<S: Scalar>(&self) -> Support<S>
    where
        A: AsRef<[S]>,
    {
        Support::Simplex(self.0.as_ref().len())
    }
}

/// `log p(θ | α)` of [`Dirichlet`] (Stan's `dirichlet_lpdf(theta, alpha)`).
#[inline]
pub fn dirichlet_lpdf<S: Scalar>(theta: &[S], alpha: &[S]) -> S {
    Dirichlet(alpha).lpdf(theta)
}

/// Reverse rule of [`dirichlet_lpdf`] in the slice convention: accumulates
/// `lp_bar · ∂/∂θ` into `theta_bar` and `lp_bar · ∂/∂α` into `alpha_bar`.
#[inline]
pub fn dirichlet_lpdf_vjp<S: Scalar>(
    theta: &[S],
    alpha: &[S],
    _lp: S,
    lp_bar: S,
    theta_bar: impl Adjoint<S>,
    alpha_bar: impl Adjoint<S>,
) {
    Dirichlet(alpha).lpdf_vjp(theta, lp_bar, theta_bar, alpha_bar);
}

impl<A: AsRef<[f64]>> Sample for Dirichlet<A> {
    type Value = Vec<f64>;
    fn validate(&self) -> Result<()> {
        let alpha = self.0.as_ref();
        if alpha.is_empty() {
            return Err(Error::DimensionMismatch {
                what: "Dirichlet: alpha needs at least one element".into(),
                expected: 1,
                found: 0,
            });
        }
        alpha
            .iter()
            .try_for_each(|&a| validation::positive("Dirichlet", "alpha", a))
    }
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Vec<f64>> {
        self.validate()?;
        let alpha = self.0.as_ref();
        let mut out = Vec::with_capacity(alpha.len());
        for &a in alpha {
            let ln_g = if a < 1.0 {
                let u: f64 = Open01.sample(rng);
                standard_gamma("Dirichlet", "alpha", a + 1.0, rng)?.ln() + u.ln() / a
            } else {
                standard_gamma("Dirichlet", "alpha", a, rng)?.ln()
            };
            out.push(ln_g);
        }
        let max = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for v in &mut out {
            *v = (*v - max).exp();
            sum += *v;
        }
        for v in &mut out {
            *v /= sum;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::distributions::{Beta, ContinuousDistribution, NoAdjoint};
    use crate::testing::distribution_checks::*;
    use crate::testing::{check_function, rng_for, GradientFunction};
    use rand::rngs::StdRng;

    /// `f(θ₁..θ_K, α₁..α_K) = log p(θ | α)` over the full vector `θ` (each `θᵢ` free and
    /// positive, not constrained to the simplex) and `α`.
    struct DirichletCheck {
        k: usize,
        alpha: (f64, f64),
    }

    impl GradientFunction for DirichletCheck {
        fn name(&self) -> String {
            format!("Dirichlet lpdf, K = {}, alpha in {:?}", self.k, self.alpha)
        }
        fn dim(&self) -> usize {
            2 * self.k
        }
        fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
            // θ on the simplex (a point where the density is meant to be used), α log-uniform.
            let raw: Vec<f64> = (0..self.k).map(|_| rng.random_range(0.05..1.0)).collect();
            let s: f64 = raw.iter().sum();
            let (lo, hi) = (self.alpha.0.ln(), self.alpha.1.ln());
            raw.iter()
                .map(|r| r / s)
                .chain((0..self.k).map(|_| rng.random_range(lo..hi).exp()))
                .collect()
        }
        fn max_step(&self, x: &[f64], i: usize) -> f64 {
            if i < self.k {
                x[i] / 4.0
            } else {
                (x[i] - self.alpha.0 * 0.9) / 4.0
            }
        }
        fn value<S: Scalar>(&self, x: &[S]) -> S {
            Dirichlet(&x[self.k..]).lpdf(&x[..self.k])
        }
        fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
            grad.iter_mut().for_each(|g| *g = S::zero());
            let (tb, ab) = grad.split_at_mut(self.k);
            Dirichlet(&x[self.k..]).lpdf_vjp(&x[..self.k], S::one(), tb, ab)
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        check_function(&DirichletCheck {
            k: 4,
            alpha: (0.05, 50.0),
        });
        check_function(&DirichletCheck {
            k: 2,
            alpha: (0.5, 5.0),
        });
        check_function(&DirichletCheck {
            k: 7,
            alpha: (10.0, 1e3),
        });
    }

    #[test]
    fn vjp_accumulates_and_scales_by_lp_bar() {
        let (theta, alpha) = ([0.2, 0.3, 0.5], [0.7, 2.0, 4.5]);
        let (mut tb, mut ab) = ([1.0; 3], [-1.0; 3]);
        let lp = Dirichlet(alpha).lpdf_vjp(&theta, 2.0, &mut tb[..], &mut ab[..]);
        assert_eq!(lp, Dirichlet(alpha).lpdf(&theta));
        let (mut tb1, mut ab1) = ([0.0; 3], [0.0; 3]);
        Dirichlet(alpha).lpdf_vjp(&theta, 1.0, &mut tb1[..], &mut ab1[..]);
        for i in 0..3 {
            assert_eq!(tb[i], 1.0 + 2.0 * tb1[i]);
            assert_eq!(ab[i], -1.0 + 2.0 * ab1[i]);
        }
        // A data alpha: its adjoint is discarded.
        let mut tb2 = [0.0; 3];
        let lp2 = Dirichlet(alpha).lpdf_vjp(&theta, 1.0, &mut tb2[..], NoAdjoint);
        assert_eq!((lp2, tb2), (lp, tb1));
        // The Stan-named pair.
        let mut tb3 = [0.0; 3];
        let mut ab3 = [0.0; 3];
        assert_eq!(dirichlet_lpdf(&theta, &alpha), lp);
        dirichlet_lpdf_vjp(&theta, &alpha, lp, 1.0, &mut tb3[..], &mut ab3[..]);
        assert_eq!((tb3, ab3), (tb1, ab1));
    }

    #[test]
    fn two_components_is_the_beta_distribution() {
        for (a, b, y) in [(2.0, 3.0, 0.3), (0.4, 0.9, 0.01), (7.0, 1.5, 0.97)] {
            let d = Dirichlet([a, b]).lpdf(&[y, 1.0 - y]);
            let want = Beta(a, b).lpdf(y);
            assert!(
                (d - want).abs() <= 1e-13 * want.abs().max(1.0),
                "{d} {want}"
            );
        }
    }

    #[test]
    fn invalid_arguments_give_neg_inf_and_add_nothing() {
        let ok = [0.2, 0.3, 0.5];
        let cases: [(&[f64], &[f64]); 9] = [
            (&ok, &[1.0, 0.0, 1.0]),
            (&ok, &[1.0, -1.0, 1.0]),
            (&ok, &[1.0, f64::NAN, 1.0]),
            (&ok, &[1.0, f64::INFINITY, 1.0]),
            (&ok, &[1.0, 1.0]),
            (&[], &[]),
            (&[0.0, 0.5, 0.5], &[1.0, 1.0, 1.0]),
            (&[-0.1, 0.6, 0.5], &[1.0, 1.0, 1.0]),
            (&[f64::NAN, 0.5, 0.5], &[1.0, 1.0, 1.0]),
        ];
        for (theta, alpha) in cases {
            assert_eq!(Dirichlet(alpha).lpdf(theta), f64::NEG_INFINITY);
            let (mut tb, mut ab) = (vec![0.0; theta.len()], vec![0.0; alpha.len()]);
            let lp = Dirichlet(alpha).lpdf_vjp(theta, 1.0, &mut tb[..], &mut ab[..]);
            assert_eq!(lp, f64::NEG_INFINITY);
            assert!(tb.iter().chain(&ab).all(|v| *v == 0.0));
            let td: Vec<Dual> = theta.iter().map(|&t| Dual::new(t, 1.0)).collect();
            let ad: Vec<Dual> = alpha.iter().map(|&a| Dual::new(a, 1.0)).collect();
            let lpd = Dirichlet(&ad[..]).lpdf(&td);
            assert!(lpd.v == f64::NEG_INFINITY && lpd.d == 0.0);
        }
        let mut rng = rng_for("dirichlet-invalid");
        let err = Dirichlet([1.0, -2.0]).sample(&mut rng).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Dirichlet: parameter `alpha` = -2 but it must be finite and > 0"
        );
        assert!(Dirichlet(Vec::<f64>::new()).sample(&mut rng).is_err());
    }

    #[test]
    fn matches_reference_values() {
        for case in reference_cases("dirichlet") {
            let list = |k: &str| -> Vec<f64> {
                case[k].as_array().expect(k).iter().map(json_f64).collect()
            };
            let (alpha, theta) = (list("alpha"), list("theta"));
            let want = json_f64(&case["value"]);
            let scale = case.get("scale").map_or(1.0, json_f64);
            let got = Dirichlet(&alpha[..]).lpdf(&theta);
            assert_reference(
                &format!("dirichlet{alpha:?} at {theta:?}"),
                got,
                want,
                scale,
            );
        }
    }

    #[test]
    fn sampler_moments() {
        for alpha in [
            vec![0.5, 2.0, 3.5],
            vec![0.01, 0.02],
            vec![40.0, 1.0, 300.0, 2.5],
        ] {
            let a0: f64 = alpha.iter().sum();
            let d = Dirichlet(alpha.clone());
            for (i, &a) in alpha.iter().enumerate() {
                let mean = a / a0;
                let var = a * (a0 - a) / (a0 * a0 * (a0 + 1.0));
                check_moments(
                    &format!("Dirichlet{alpha:?}[{i}]"),
                    |rng| d.sample(rng).unwrap()[i],
                    mean,
                    var,
                );
            }
        }
        let mut rng = rng_for("dirichlet-simplex");
        for alpha in [vec![1e-3, 1e-3, 1e-3], vec![1e3, 1e-2]] {
            for _ in 0..1000 {
                let theta = Dirichlet(&alpha[..]).sample(&mut rng).unwrap();
                let s: f64 = theta.iter().sum();
                assert!(theta.iter().all(|t| (0.0..=1.0).contains(t)));
                assert!((s - 1.0).abs() <= 1e-15 * alpha.len() as f64, "{theta:?}");
            }
        }
    }
}
