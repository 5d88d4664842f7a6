//! Automatic-differentiation runtime: the scalar trait, dual numbers, rule traits and stacks.

pub mod dual;
pub mod reduce;
pub mod rules;
pub mod scalar;
pub mod stacks;

pub use dual::Dual;
pub use reduce::reduce_sum;
pub use rules::{binary_vjp, unary_vjp, BinaryRule, UnaryRule};
pub use scalar::{Scalar, ToF64};
pub use stacks::{trip_count, Checkpoint, Stacks, Workspace, WorkspaceScalar};
