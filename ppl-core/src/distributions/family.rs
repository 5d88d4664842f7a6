//! Families: a distribution type with its parameters' scalar type left open, so harnesses
//! and generated code can instantiate it at `f64` and at `Dual`; and the macros that give
//! each distribution its parameter list, broadcasting and Stan-named functions.

use crate::ad::Scalar;
use crate::distributions::{ContinuousDistribution, DiscreteDistribution};

/// A continuous distribution with its scalar type open: `Normal<(), ()>` names the family
/// whose member at `S` is `Normal<S, S>`.
pub trait ContinuousFamily {
    /// The distribution with parameters of type `S`.
    type Of<S: Scalar>: ContinuousDistribution<S>;
}

/// A discrete distribution with its scalar type open (see [`ContinuousFamily`]).
pub trait DiscreteFamily {
    /// The distribution with parameters of type `S`.
    type Of<S: Scalar>: DiscreteDistribution<S>;
}

/// Declares a continuous distribution's parameters, broadcasting, family, and the
/// Stan-named functions `name_lpdf(y, params...)` and
/// `name_lpdf_vjp(y, params..., lp, lp_bar) -> (y_bar, params_bar...)`.
#[macro_export]
macro_rules! continuous_distribution {
    ($ty:ident, $lpdf:ident, $vjp:ident, [$($p:ident : $A:ident),+]) => {
        $crate::impl_params!($ty, [$($p),+]);
        $crate::impl_broadcast!($ty, [$($p : $A),+]);
        impl $crate::distributions::ContinuousFamily for $ty<$($crate::continuous_distribution!(@unit $p)),+> {
            type Of<S: $crate::ad::Scalar> = $ty<$($crate::impl_params!(@s $p S)),+>;
        }
        #[doc = concat!("`log p(y | ", stringify!($($p),+), ")` of [`", stringify!($ty), "`] (Stan's `", stringify!($lpdf), "`).")]
        #[inline]
        pub fn $lpdf<S: $crate::ad::Scalar>(y: S, $($p: S),+) -> S {
            $crate::distributions::ContinuousDistribution::lpdf(&$ty($($p),+), y)
        }
        #[doc = concat!("Reverse rule of [`", stringify!($lpdf), "`]: `lp_bar · (∂/∂y, ∂/∂params...)`.")]
        #[inline]
        #[allow(clippy::too_many_arguments)]
        pub fn $vjp<S: $crate::ad::Scalar>(y: S, $($p: S,)+ _lp: S, lp_bar: S) -> (S, $($crate::impl_params!(@s $p S)),+) {
            let (_, dy, $ty($($p),+)) = $crate::distributions::ContinuousDistribution::lpdf_grad(&$ty($($p),+), y);
            (dy * lp_bar, $($p * lp_bar),+)
        }
    };
    (@unit $p:ident) => { () };
}

/// The discrete counterpart of [`continuous_distribution!`]: `name_lpmf(k, params...)`
/// and `name_lpmf_vjp(k, params..., lp, lp_bar) -> (params_bar...)`.
#[macro_export]
macro_rules! discrete_distribution {
    ($ty:ident, $lpmf:ident, $vjp:ident, [$($p:ident : $A:ident),+]) => {
        $crate::impl_params!($ty, [$($p),+]);
        $crate::impl_broadcast!($ty, [$($p : $A),+]);
        impl $crate::distributions::DiscreteFamily for $ty<$($crate::continuous_distribution!(@unit $p)),+> {
            type Of<S: $crate::ad::Scalar> = $ty<$($crate::impl_params!(@s $p S)),+>;
        }
        #[doc = concat!("`log P(k | ", stringify!($($p),+), ")` of [`", stringify!($ty), "`] (Stan's `", stringify!($lpmf), "`).")]
        #[inline]
        pub fn $lpmf<S: $crate::ad::Scalar>(k: i64, $($p: S),+) -> S {
            $crate::distributions::DiscreteDistribution::lpmf(&$ty($($p),+), k)
        }
        #[doc = concat!("Reverse rule of [`", stringify!($lpmf), "`]: `lp_bar · ∂/∂params`.")]
        #[inline]
        pub fn $vjp<S: $crate::ad::Scalar>(k: i64, $($p: S,)+ _lp: S, lp_bar: S) -> ($($crate::impl_params!(@s $p S)),+ ,) {
            let (_, $ty($($p),+)) = $crate::distributions::DiscreteDistribution::lpmf_grad(&$ty($($p),+), k);
            ($($p * lp_bar),+ ,)
        }
    };
}

/// `-∞` with zero partials: what every log density returns outside its domain.
#[inline(always)]
pub fn neg_inf<S: Scalar>() -> S {
    S::cst(f64::NEG_INFINITY)
}
