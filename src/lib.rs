#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use ppl_core::{
    ad, distributions, math, model, transforms, Dual, Error, Model, Result, Scalar, Simulation,
    SiteLayout, Workspace,
};
/// The samplers (NUTS, HMC, diagnostics, output).
pub use ppl_samplers as samplers;
pub use ppl_samplers::{Fit, Hmc, Nuts};

/// Finite-difference gradient checks for models and primitives (public so users can
/// property-test their own models).
pub use ppl_core::testing;

/// Everything a model author needs: `use ppl::prelude::*;`.
pub mod prelude {
    pub use ppl_core::distributions::IidExt;
    pub use ppl_core::distributions::*;
    pub use ppl_core::math::*;
    pub use ppl_core::transforms::Support::{self, *};
    pub use ppl_core::{Error, Model, Result, Scalar, Workspace};
    pub use ppl_macros::{custom_derivative, differentiable, model};
    pub use ppl_samplers::{Fit, Hmc, Nuts};
}

/// Paths used by code that `#[model]` generates. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::helper_runtime::{
        lift_slice, rule, scalar_result, vector_result, Discard, Helper, IntoArg, OffsetStacks,
        ScalarAdjoint, ScalarResult, ScalarSink, SliceBar, SlotSpace, VectorAdjoint, VectorResult,
    };
    pub use ppl_core::ad::rules::arithmetic as ops;
    pub use ppl_core::ad::{
        reduce_sum, trip_count, Checkpoint, Dual, Scalar, Stacks, ToF64, Workspace, WorkspaceScalar,
    };
    pub use ppl_core::distributions as dist;
    pub use ppl_core::math;
    pub use ppl_core::math::ScalarMath;
    pub use ppl_core::model::{check_len, check_term, draw, Trace};
    pub use ppl_core::transforms as tr;
    pub use ppl_core::{Error, Model, Result, Simulation, SiteLayout};
    pub use rand::RngCore;
}

#[doc(hidden)]
pub mod helper_runtime;
