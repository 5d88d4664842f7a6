//! `Flat(support)`: the improper uniform prior on a support (Stan's unconstrained
//! declaration), for parameters with no prior or a prior written with `factor`.

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::transforms::Support;

/// The improper uniform density `p(y) ∝ 1` on a support: `log p = 0` inside it.
///
/// Only the transform of the sample site (and its log-Jacobian) comes from the support;
/// the prior adds nothing. It cannot be drawn from: the generative mode reports an error.
///
/// ```
/// use ppl_core::distributions::Flat;
/// use ppl_core::transforms::Support::*;
/// assert_eq!(Flat(Positive).lpdf(3.0), 0.0);
/// assert_eq!(Flat(Interval(0.0, 1.0)).lpdf(2.0), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flat<S>(pub Support<S>);

impl<S: Scalar> Flat<S> {
    /// `0` inside a scalar support, `-∞` outside; `0` for vector supports (whose values
    /// come from their transform and are inside by construction).
    pub fn lpdf(&self, y: S) -> S {
        if !self.0.is_scalar() || self.0.contains(y.value()) {
            S::zero()
        } else {
            S::cst(f64::NEG_INFINITY)
        }
    }
    /// The support, which chooses the transform.
    pub fn support(&self) -> Support<S> {
        self.0
    }
    /// Drawing from an improper prior is impossible: always an error.
    pub fn sample(&self) -> Result<f64> {
        Err(Error::ImproperPrior {
            support: self.0.describe(),
        })
    }
}
