//! Samplers for `ppl` models: NUTS, static HMC, variational inference and optimisation,
//! generic over [`ppl_core::Model`] so the model's gradient is inlined into the integrator.
//!
//! This crate is being built (see the project's status table in the README); it holds
//! no sampler yet.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
