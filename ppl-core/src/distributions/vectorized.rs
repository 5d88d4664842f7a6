//! Vectorised log densities: a slice of values against scalar or slice parameters,
//! broadcast Stan-style (every slice has the same length; scalars repeat).
//!
//! `Normal(mu, sigma)` with `mu: &[S]` and `sigma: S` is a [`Broadcast`] distribution;
//! [`lpdf_sum`] adds `Σᵢ log p(yᵢ | muᵢ, sigma)` and [`lpdf_sum_vjp`] also accumulates the
//! adjoints into sinks shaped like the arguments: `&mut S` for a scalar (the sum of the
//! partials), `&mut [S]` for a slice, [`NoAdjoint`] for data.

use crate::ad::Scalar;
use crate::distributions::{ContinuousDistribution, DiscreteDistribution, Needed};
use crate::error::{Error, Result};

/// An argument that broadcasts: a scalar, or a slice of per-element values.
pub trait Arg<S: Scalar>: Copy {
    /// `None` for a scalar; the length for a slice.
    fn arg_len(&self) -> Option<usize>;
    /// The value at element `i` (a scalar returns itself).
    fn at(&self, i: usize) -> S;
}

impl<S: Scalar> Arg<S> for S {
    #[inline(always)]
    fn arg_len(&self) -> Option<usize> {
        None
    }
    #[inline(always)]
    fn at(&self, _i: usize) -> S {
        *self
    }
}

impl<S: Scalar> Arg<S> for &[S] {
    #[inline(always)]
    fn arg_len(&self) -> Option<usize> {
        Some(<[S]>::len(self))
    }
    #[inline(always)]
    fn at(&self, i: usize) -> S {
        self[i]
    }
}

/// A data slice used where the scalar type is not `f64` (lifted to constants).
#[derive(Clone, Copy, Debug)]
pub struct Data<'a>(pub &'a [f64]);

impl<S: Scalar> Arg<S> for Data<'_> {
    #[inline(always)]
    fn arg_len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    #[inline(always)]
    fn at(&self, i: usize) -> S {
        S::cst(self.0[i])
    }
}

/// An integer argument that broadcasts (counts, indicators, categories).
pub trait IntArg: Copy {
    /// `None` for a scalar; the length for a slice.
    fn arg_len(&self) -> Option<usize>;
    /// The value at element `i`.
    fn at(&self, i: usize) -> i64;
    /// The values as an `i64` slice, when they are one (for `f64`-only kernels).
    #[inline(always)]
    fn as_i64_slice(&self) -> Option<&[i64]> {
        None
    }
}

impl IntArg for i64 {
    #[inline(always)]
    fn arg_len(&self) -> Option<usize> {
        None
    }
    #[inline(always)]
    fn at(&self, _i: usize) -> i64 {
        *self
    }
}
impl IntArg for &[i64] {
    #[inline(always)]
    fn arg_len(&self) -> Option<usize> {
        Some(<[i64]>::len(self))
    }
    #[inline(always)]
    fn at(&self, i: usize) -> i64 {
        self[i]
    }
    #[inline(always)]
    fn as_i64_slice(&self) -> Option<&[i64]> {
        Some(self)
    }
}
impl IntArg for &[usize] {
    #[inline(always)]
    fn arg_len(&self) -> Option<usize> {
        Some(<[usize]>::len(self))
    }
    #[inline(always)]
    fn at(&self, i: usize) -> i64 {
        self[i] as i64
    }
}

/// Where an argument's adjoint goes.
pub trait Adjoint<S: Scalar> {
    /// `false` for a sink that discards ([`NoAdjoint`]): its argument is data and its
    /// partials need not be computed.
    const ACTIVE: bool = true;
    /// Adds the adjoint contribution of element `i`.
    fn add(&mut self, i: usize, v: S);
}

impl<S: Scalar> Adjoint<S> for &mut S {
    #[inline(always)]
    fn add(&mut self, _i: usize, v: S) {
        **self += v;
    }
}
impl<S: Scalar> Adjoint<S> for &mut [S] {
    #[inline(always)]
    fn add(&mut self, i: usize, v: S) {
        self[i] += v;
    }
}

/// The adjoint sink of a passive (data) argument: discards.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAdjoint;
impl<S: Scalar> Adjoint<S> for NoAdjoint {
    const ACTIVE: bool = false;
    #[inline(always)]
    fn add(&mut self, _i: usize, _v: S) {}
}

/// A distribution whose parameters broadcast; element `i` is a scalar distribution.
pub trait Broadcast<S: Scalar> {
    /// The distribution of one element.
    type Element: Copy;
    /// Calls `f` with each parameter's name and length (`None` for scalars); allocates
    /// nothing, so a vectorised log density stays allocation-free.
    fn visit_lens(&self, f: &mut dyn FnMut(&'static str, Option<usize>));

    /// The common length of the broadcast of the parameters and a value of length
    /// `value_len`: every slice argument must have it; scalars repeat.
    fn broadcast_len(&self, distribution: &str, value_len: Option<usize>) -> Result<usize> {
        let mut first: Option<(usize, &'static str)> = value_len.map(|l| (l, "value"));
        let mut error = None;
        self.visit_lens(&mut |name, len| {
            if let (Some(l), None) = (len, &error) {
                match first {
                    None => first = Some((l, name)),
                    Some((m, f)) if m != l => {
                        error = Some(Error::DimensionMismatch {
                            what: format!(
                                "{distribution}: argument `{name}` (broadcast against `{f}`)"
                            ),
                            expected: m,
                            found: l,
                        })
                    }
                    _ => {}
                }
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(first.map_or(1, |(l, _)| l)),
        }
    }
    /// The distribution of element `i`.
    fn element(&self, i: usize) -> Self::Element;
}

/// Adjoint sinks shaped like a broadcast distribution's parameters.
pub trait AdjointSinks<S: Scalar, E> {
    /// The parameters whose sinks are active ([`Adjoint::ACTIVE`]), as the parameter bits
    /// of a [`Needed`] mask.
    const NEEDED: Needed = Needed(!1);
    /// Adds element `i`'s parameter partials (packed as a distribution) times nothing more.
    fn add(&mut self, i: usize, partials: &E);
}

/// Implements [`Broadcast`] and [`AdjointSinks`] for a tuple-struct distribution.
#[macro_export]
macro_rules! impl_broadcast {
    ($ty:ident, [$($p:ident : $A:ident),+]) => {
        impl<S: $crate::ad::Scalar, $($A: $crate::distributions::Arg<S>),+>
            $crate::distributions::Broadcast<S> for $ty<$($A),+>
        {
            type Element = $ty<$($crate::impl_params!(@s $A S)),+>;
            fn visit_lens(&self, f: &mut dyn FnMut(&'static str, Option<usize>)) {
                let $ty($($p),+) = *self;
                $( f(stringify!($p), $p.arg_len()); )+
            }
            #[inline(always)]
            fn element(&self, i: usize) -> Self::Element {
                let $ty($($p),+) = *self;
                $ty($($p.at(i)),+)
            }
        }
        impl<S: $crate::ad::Scalar, $($A: $crate::distributions::Adjoint<S>),+>
            $crate::distributions::AdjointSinks<S, $ty<$($crate::impl_params!(@s $A S)),+>> for $ty<$($A),+>
        {
            const NEEDED: $crate::distributions::Needed = {
                let mut mask = 0u32;
                let mut j = 0u32;
                $(
                    if <$A as $crate::distributions::Adjoint<S>>::ACTIVE {
                        mask |= 2 << j;
                    }
                    j += 1;
                )+
                let _ = j;
                $crate::distributions::Needed(mask)
            };
            #[inline(always)]
            fn add(&mut self, i: usize, g: &$ty<$($crate::impl_params!(@s $A S)),+>) {
                let mut partials = [$($crate::impl_broadcast!(@zero $p S)),+];
                $crate::distributions::Params::write_params(g, &mut partials);
                let $ty($($p),+) = self;
                let mut k = 0;
                $( $p.add(i, partials[k]); k += 1; )+
                let _ = k;
            }
        }
    };
    (@zero $p:ident $S:ident) => { <$S as $crate::ad::Scalar>::zero() };
}

/// `Σᵢ log p(yᵢ | paramsᵢ)` over the broadcast length.
pub fn lpdf_sum<S, B, Y>(dist: &B, y: Y) -> Result<S>
where
    S: Scalar,
    B: Broadcast<S>,
    B::Element: ContinuousDistribution<S>,
    Y: Arg<S>,
{
    let n = dist.broadcast_len(
        <B::Element as crate::distributions::Params<S>>::NAME,
        y.arg_len(),
    )?;
    let mut total = S::zero();
    for i in 0..n {
        total += dist.element(i).lpdf(y.at(i));
    }
    Ok(total)
}

/// [`lpdf_sum`] and its reverse rule: adds `lp_bar · ∂/∂yᵢ` to `y_bar` and
/// `lp_bar · ∂/∂paramsᵢ` to the parameter sinks.
pub fn lpdf_sum_vjp<S, B, Y, YB, PB>(
    dist: &B,
    y: Y,
    lp_bar: S,
    y_bar: &mut YB,
    p_bar: &mut PB,
) -> Result<S>
where
    S: Scalar,
    B: Broadcast<S>,
    B::Element: ContinuousDistribution<S>,
    Y: Arg<S>,
    YB: Adjoint<S>,
    PB: AdjointSinks<S, B::Element>,
{
    let n = dist.broadcast_len(
        <B::Element as crate::distributions::Params<S>>::NAME,
        y.arg_len(),
    )?;
    // Partials of data arguments (NoAdjoint sinks) are skipped, e.g. digammas of
    // constant shapes.
    let need = PB::NEEDED
        | if YB::ACTIVE {
            Needed::VALUE
        } else {
            Needed::NONE
        };
    let mut total = S::zero();
    let mut scaled = [S::zero(); 8];
    for i in 0..n {
        let (lp, dy, dp) = dist.element(i).lpdf_grad_needed(y.at(i), need);
        total += lp;
        y_bar.add(i, dy * lp_bar);
        p_bar.add(i, &scale_params(&dp, lp_bar, &mut scaled));
    }
    Ok(total)
}

/// `Σᵢ log P(kᵢ | paramsᵢ)` over the broadcast length.
pub fn lpmf_sum<S, B, K>(dist: &B, k: K) -> Result<S>
where
    S: Scalar,
    B: Broadcast<S>,
    B::Element: DiscreteDistribution<S>,
    K: IntArg,
{
    let n = dist.broadcast_len(
        <B::Element as crate::distributions::Params<S>>::NAME,
        k.arg_len(),
    )?;
    let mut total = S::zero();
    for i in 0..n {
        total += dist.element(i).lpmf(k.at(i));
    }
    Ok(total)
}

/// [`lpmf_sum`] and its reverse rule into the parameter sinks.
pub fn lpmf_sum_vjp<S, B, K, PB>(dist: &B, k: K, lp_bar: S, p_bar: &mut PB) -> Result<S>
where
    S: Scalar,
    B: Broadcast<S>,
    B::Element: DiscreteDistribution<S>,
    K: IntArg,
    PB: AdjointSinks<S, B::Element>,
{
    let n = dist.broadcast_len(
        <B::Element as crate::distributions::Params<S>>::NAME,
        k.arg_len(),
    )?;
    let mut total = S::zero();
    let mut scaled = [S::zero(); 8];
    for i in 0..n {
        let (lp, dp) = dist.element(i).lpmf_grad(k.at(i));
        total += lp;
        p_bar.add(i, &scale_params(&dp, lp_bar, &mut scaled));
    }
    Ok(total)
}

/// `lp_bar · partials`, keeping the distribution packing (at most 8 parameters).
#[inline(always)]
fn scale_params<S: Scalar, E: crate::distributions::Params<S>>(
    dp: &E,
    lp_bar: S,
    buf: &mut [S; 8],
) -> E {
    let k = E::PARAM_NAMES.len();
    dp.write_params(&mut buf[..k]);
    for v in &mut buf[..k] {
        *v *= lp_bar;
    }
    E::from_params(&buf[..k])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributions::Normal;

    #[test]
    fn broadcasting_sums_elements_and_routes_adjoints() {
        let mu = [0.0, 1.0, -1.0];
        let y = [0.5, 0.5, 0.5];
        let sigma = 2.0;
        let d = Normal(&mu[..], sigma);
        let total: f64 = lpdf_sum(&d, &y[..]).unwrap();
        let expect: f64 = (0..3).map(|i| Normal(mu[i], sigma).lpdf(y[i])).sum();
        assert!((total - expect).abs() < 1e-14);

        let (mut mu_bar, mut sigma_bar, mut y_bar) = ([0.0; 3], 0.0, [0.0; 3]);
        let mut sinks = Normal(&mut mu_bar[..], &mut sigma_bar);
        lpdf_sum_vjp(&d, &y[..], 2.0, &mut &mut y_bar[..], &mut sinks).unwrap();
        let mut sigma_expect = 0.0;
        for i in 0..3 {
            let (_, dy, Normal(dmu, dsigma)) = Normal(mu[i], sigma).lpdf_grad(y[i]);
            assert!((mu_bar[i] - 2.0 * dmu).abs() < 1e-14);
            assert!((y_bar[i] - 2.0 * dy).abs() < 1e-14);
            sigma_expect += 2.0 * dsigma;
        }
        assert!((sigma_bar - sigma_expect).abs() < 1e-13);

        // Data arguments discard their adjoints.
        let mut sinks = Normal(NoAdjoint, &mut sigma_bar);
        lpdf_sum_vjp(
            &Normal(Data(&mu), sigma),
            0.0,
            1.0,
            &mut NoAdjoint,
            &mut sinks,
        )
        .unwrap();
    }

    #[test]
    fn data_arguments_skip_their_partials() {
        use crate::distributions::Gamma;
        type Sinks<'a> = Gamma<NoAdjoint, &'a mut f64>;
        assert_eq!(
            <Sinks as AdjointSinks<f64, Gamma<f64, f64>>>::NEEDED,
            Needed::param(1)
        );
        assert_eq!(
            <Normal<&mut [f64], &mut f64> as AdjointSinks<f64, Normal<f64, f64>>>::NEEDED,
            Needed::param(0) | Needed::param(1)
        );
        // Same value and active partials as the full rule.
        let y = [0.5, 1.5, 4.0];
        let mut beta_bar = 0.0;
        let lp = lpdf_sum_vjp(
            &Gamma(2.5, 1.5),
            Data(&y),
            2.0,
            &mut NoAdjoint,
            &mut Gamma(NoAdjoint, &mut beta_bar),
        )
        .unwrap();
        let mut want = (0.0, 0.0);
        for &yi in &y {
            let (l, _, Gamma(_, db)) = Gamma(2.5, 1.5).lpdf_grad(yi);
            want.0 += l;
            want.1 += 2.0 * db;
        }
        assert!((lp - want.0).abs() <= 1e-14 * want.0.abs());
        assert!((beta_bar - want.1).abs() <= 1e-14 * want.1.abs());
    }

    #[test]
    fn mismatched_lengths_are_an_error_naming_the_argument() {
        let mu = [0.0, 1.0];
        let y = [0.5, 0.5, 0.5];
        let err = lpdf_sum::<f64, _, _>(&Normal(&mu[..], 1.0), &y[..]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Normal: argument `mu` (broadcast against `value`): expected length 3, found 2"
        );
    }
}
