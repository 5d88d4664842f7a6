#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use ppl_core::{
    ad, distributions, math, model, transforms, Dual, Error, Model, Result, Scalar, Workspace,
};

/// Finite-difference gradient checks for models and primitives (public so users can
/// property-test their own models).
pub use ppl_core::testing;

/// Everything a model author needs: `use ppl::prelude::*;`.
pub mod prelude {
    pub use ppl_core::distributions::*;
    pub use ppl_core::math::*;
    pub use ppl_core::transforms::Support::{self, *};
    pub use ppl_core::{Error, Model, Result, Scalar, Workspace};
}
