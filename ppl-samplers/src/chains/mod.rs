//! Running chains: initial points, step-size heuristic, per-chain RNG streams, and the
//! rayon runner with per-chain failure isolation.

pub(crate) mod init;
pub(crate) mod rng_streams;
pub(crate) mod runner;
