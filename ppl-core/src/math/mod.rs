//! Math primitives of the model language, each with value, JVP and VJP rules.
//!
//! One primitive (or a tight family) per file; every function `f` has a reverse rule
//! `f_vjp` following the convention of [`crate::ad::rules`].

pub(crate) mod dispatch;
pub mod elementary;
pub mod erf;
pub mod gamma_family;
pub mod gp;
pub mod kernels;
pub mod linalg;
pub mod log_exp;
pub mod reductions;
pub mod softmax;

pub use dispatch::{gradient_with_avx2, GradientBody};
pub use elementary::*;
pub use erf::*;
pub use gamma_family::*;
pub use gp::*;
pub use linalg::*;
pub use log_exp::*;
pub use reductions::*;
pub use softmax::*;
