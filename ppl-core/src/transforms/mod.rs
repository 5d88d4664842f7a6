//! Constraint transforms from unconstrained reals onto each support, with log-Jacobians,
//! reverse rules and inverses.

pub mod corr_cholesky;
pub mod cov_cholesky;
pub mod for_support;
pub mod interval;
pub mod lower_bound;
pub mod ordered;
pub mod simplex;
pub mod support;
pub mod transform;
pub mod upper_bound;

pub use corr_cholesky::*;
pub use cov_cholesky::*;
pub use for_support::*;
pub use interval::*;
pub use lower_bound::*;
pub use ordered::*;
pub use simplex::*;
pub use support::Support;
pub use transform::{ScalarTransform, VectorTransform};
pub use upper_bound::*;
