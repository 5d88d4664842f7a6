//! Code generation: expressions, sites, the primal flavours, reverse mode, and the model.

pub mod describe;
pub mod expr;
pub mod helper_call;
pub mod model;
pub mod primal;
pub mod sites;
pub mod vector_sites;
pub mod vjp;
