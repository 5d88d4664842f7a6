//! Traits every distribution implements: log density with partials, support, parameters
//! and sampling.
//!
//! Distributions are tuple structs of their parameters in Stan's order, so a model
//! writes `Normal(mu, sigma)`, `Gamma(shape, rate)`, `NegativeBinomial2(mean, phi)`.
//! The derivative of the log density with respect to the parameters is returned packed in
//! the same struct: `Normal(d_mu, d_sigma)`.

use crate::ad::Scalar;
use crate::error::Result;
use crate::transforms::Support;
use rand::Rng;

/// A univariate distribution on the reals (or a subset).
///
/// Outside the support, or with invalid parameters, `lpdf` is `-∞` and every partial is
/// zero: never a panic, never NaN.
pub trait ContinuousDistribution<S: Scalar>: Params<S> {
    /// `log p(y | params)`, normalising constants included.
    fn lpdf(&self, y: S) -> S;
    /// `(log p, ∂ log p/∂y, ∂ log p/∂params)`.
    fn lpdf_grad(&self, y: S) -> (S, S, Self);
    /// [`lpdf_grad`](Self::lpdf_grad) when the caller needs only the partials flagged in
    /// `need` (the others may come back as `0`): distributions skip work for arguments
    /// that are data, e.g. the digammas of `Gamma(2.0, tau)`'s constant shape. The value
    /// `log p` is always complete. Default: `lpdf_grad`.
    ///
    /// ```
    /// use ppl_core::distributions::{ContinuousDistribution, Gamma, Needed};
    /// // Only ∂/∂y and ∂/∂β: ψ(α) is not evaluated, ∂/∂α comes back as 0.
    /// let (lp, dy, Gamma(da, db)) =
    ///     Gamma(2.5, 1.5).lpdf_grad_needed(0.7, Needed::VALUE | Needed::param(1));
    /// let (lp_all, dy_all, Gamma(_, db_all)) = Gamma(2.5, 1.5).lpdf_grad(0.7);
    /// assert_eq!((lp, dy, da, db), (lp_all, dy_all, 0.0, db_all));
    /// ```
    #[inline(always)]
    fn lpdf_grad_needed(&self, y: S, need: Needed) -> (S, S, Self) {
        let _ = need;
        self.lpdf_grad(y)
    }
    /// [`lpdf_grad_needed`](Self::lpdf_grad_needed) at a `y` whose logarithm `ln_y` the
    /// caller already has (a sample site under the log transform: `y = eˣ`, `ln y = x`).
    /// Densities with a `ln y` term use `ln_y` instead of taking a logarithm; the results
    /// differ from `lpdf_grad_needed(y, need)` only by the rounding of `ln y`. Default:
    /// `lpdf_grad_needed(y, need)`.
    ///
    /// ```
    /// use ppl_core::distributions::{ContinuousDistribution, Gamma, Needed};
    /// let x = -0.4_f64; // the unconstrained value; y = eˣ
    /// let (lp, dy, _) = Gamma(2.5, 1.5).lpdf_grad_ln(x.exp(), x, Needed::ALL);
    /// let (want, want_dy, _) = Gamma(2.5, 1.5).lpdf_grad(x.exp());
    /// assert!((lp - want).abs() < 1e-15 && (dy - want_dy).abs() < 1e-15);
    /// ```
    #[inline(always)]
    fn lpdf_grad_ln(&self, y: S, ln_y: S, need: Needed) -> (S, S, Self) {
        let _ = ln_y;
        self.lpdf_grad_needed(y, need)
    }
    /// The terms of `log p` that [`lpdf_grad_needed`](Self::lpdf_grad_needed) leaves out
    /// when `need` has [`Needed::NO_CONSTANT`]: those depending only on the arguments
    /// whose partials `need` does not ask for. Default `0` (nothing left out).
    ///
    /// ```
    /// use ppl_core::distributions::{ContinuousDistribution, Needed, Normal};
    /// // σ is data: ln σ + ½ ln 2π is left out of the value, and given here.
    /// let need = Needed::VALUE | Needed::param(0);
    /// let (part, _, _) = Normal(0.5, 2.0).lpdf_grad_needed(1.0, need | Needed::NO_CONSTANT);
    /// let rest = Normal(0.5, 2.0).lpdf_constant(need);
    /// assert!((part + rest - Normal(0.5, 2.0).lpdf(1.0)).abs() < 1e-15);
    /// ```
    #[inline(always)]
    fn lpdf_constant(&self, need: Needed) -> f64 {
        let _ = need;
        0.0
    }
    /// `Σᵢ log p(yᵢ)` over many values sharing these parameters, writing
    /// `y_bar[i] = lp_bar · ∂ log p(yᵢ)/∂yᵢ`: the reverse rule of an i.i.d. site whose
    /// parameters are constants (no parameter partials). `need` is as for
    /// [`lpdf_grad_needed`](Self::lpdf_grad_needed) (its parameter bits are ignored).
    /// Works over the common length of `ys` and `y_bar`.
    ///
    /// Default: [`lpdf_grad_needed`](Self::lpdf_grad_needed) per value, summed by
    /// [`reduce_sum`](crate::ad::reduce_sum). Distributions override it with a loop
    /// without per-value checks that falls back to the default when the sum is not
    /// finite, and must then give the same results.
    ///
    /// ```
    /// use ppl_core::distributions::{ContinuousDistribution, Needed, Normal};
    /// let ys = [0.5, -1.0, 2.0];
    /// let mut y_bar = [0.0; 3];
    /// let lp = Normal(0.0, 2.0).lpdf_grad_values(&ys, 1.0, &mut y_bar, Needed::VALUE);
    /// let want: f64 = ys.iter().map(|&y| Normal(0.0, 2.0).lpdf(y)).sum();
    /// assert!((lp - want).abs() < 1e-14);
    /// assert_eq!(y_bar[1], Normal(0.0, 2.0).lpdf_grad(-1.0).1);
    /// ```
    #[inline]
    fn lpdf_grad_values(&self, ys: &[S], lp_bar: S, y_bar: &mut [S], need: Needed) -> S {
        let n = ys.len().min(y_bar.len());
        let (ys, y_bar) = (&ys[..n], &mut y_bar[..n]);
        crate::ad::reduce_sum(0..n, |i| {
            let (lp, dy, _) = self.lpdf_grad_needed(ys[i], need);
            y_bar[i] = dy * lp_bar;
            lp
        })
    }
    /// Where the value lives; chooses the transform of a sample site.
    fn support(&self) -> Support<S>;
}

/// Which partials of a log density a caller needs: bit 0 the value `y`, bit `1 + j`
/// parameter `j` (Stan's order). Generated code knows which arguments are data; the
/// vectorised rules read it off their adjoint sinks ([`NoAdjoint`](crate::distributions::NoAdjoint)
/// is data). A constant `Needed` lets the compiler drop the skipped work entirely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needed(pub u32);

impl Needed {
    /// Every partial.
    pub const ALL: Needed = Needed(!Needed::NO_CONSTANT.0);
    /// No partial (the value only).
    pub const NONE: Needed = Needed(0);
    /// The partial with respect to the value `y`.
    pub const VALUE: Needed = Needed(1);
    /// Not a partial: the value may leave out the terms that depend only on arguments
    /// whose partials are not needed (data), which
    /// [`ContinuousDistribution::lpdf_constant`] returns. Generated code computes those
    /// once per model instead of once per gradient (`Σₙ ln σₙ` of data scales).
    pub const NO_CONSTANT: Needed = Needed(1 << 31);
    /// `true` if the data-only terms may be left out (see [`Needed::NO_CONSTANT`]).
    #[inline(always)]
    pub const fn no_constant(self) -> bool {
        self.0 & Needed::NO_CONSTANT.0 != 0
    }
    /// The partial with respect to parameter `j` (0-based, Stan's order).
    #[inline(always)]
    pub const fn param(j: usize) -> Needed {
        Needed(2 << j)
    }
    /// `true` if the value's partial is needed.
    #[inline(always)]
    pub const fn value(self) -> bool {
        self.0 & 1 != 0
    }
    /// `true` if parameter `j`'s partial is needed.
    #[inline(always)]
    pub const fn has_param(self, j: usize) -> bool {
        self.0 & (2 << j) != 0
    }
}

impl std::ops::BitOr for Needed {
    type Output = Needed;
    #[inline(always)]
    fn bitor(self, rhs: Needed) -> Needed {
        Needed(self.0 | rhs.0)
    }
}

/// A univariate distribution on the integers.
///
/// Outside the support, or with invalid parameters, `lpmf` is `-∞` and every partial is
/// zero: never a panic, never NaN.
pub trait DiscreteDistribution<S: Scalar>: Params<S> {
    /// `log P(k | params)`, normalising constants included.
    fn lpmf(&self, k: i64) -> S;
    /// `(log P, ∂ log P/∂params)`.
    fn lpmf_grad(&self, k: i64) -> (S, Self);
}

/// A distribution's scalar parameters, in Stan's order, as a fixed-size list.
pub trait Params<S: Scalar>: Copy {
    /// The distribution's name, e.g. `Normal`.
    const NAME: &'static str;
    /// Parameter names in order, e.g. `["mu", "sigma"]`.
    const PARAM_NAMES: &'static [&'static str];
    /// Builds the distribution from `PARAM_NAMES.len()` values.
    fn from_params(p: &[S]) -> Self;
    /// Writes the parameters into `out` (length `PARAM_NAMES.len()`).
    fn write_params(&self, out: &mut [S]);
}

/// Drawing values: the generative mode. Parameters are checked first; an invalid one is
/// an [`Error::InvalidParameter`](crate::Error::InvalidParameter), never a panic.
pub trait Sample {
    /// The type of one draw (`f64`, `i64`, or `Vec<f64>` for multivariate distributions).
    type Value;
    /// Checks the parameters, naming the first invalid one.
    fn validate(&self) -> Result<()>;
    /// One draw.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Self::Value>;
}

/// Implements [`Params`] for a tuple-struct distribution:
/// `impl_params!(Normal, "Normal", [mu, sigma])`.
#[macro_export]
macro_rules! impl_params {
    ($ty:ident, [$($p:ident),+]) => {
        impl<S: $crate::ad::Scalar> $crate::distributions::Params<S> for $ty<$($crate::impl_params!(@s $p S)),+> {
            const NAME: &'static str = stringify!($ty);
            const PARAM_NAMES: &'static [&'static str] = &[$(stringify!($p)),+];
            #[inline]
            fn from_params(p: &[S]) -> Self {
                let mut it = p.iter().copied();
                $ty($($crate::impl_params!(@next it $p)),+)
            }
            #[inline]
            fn write_params(&self, out: &mut [S]) {
                let $ty($($p),+) = *self;
                let mut i = 0;
                $( out[i] = $p; i += 1; )+
                let _ = i;
            }
        }
    };
    (@s $p:ident $S:ident) => { $S };
    (@next $it:ident $p:ident) => { $it.next().unwrap_or_default() };
}
