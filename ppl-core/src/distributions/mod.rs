//! Probability distributions: log densities with partials w.r.t. the value and every
//! parameter, supports, and samplers for the generative mode.
//!
//! Univariate distributions implement [`ContinuousDistribution`] or
//! [`DiscreteDistribution`] and are declared with [`continuous_distribution!`](crate::continuous_distribution)
//! or [`discrete_distribution!`](crate::discrete_distribution), which also give them
//! broadcasting ([`lpdf_sum`]) and Stan-named functions (`normal_lpdf`, `poisson_lpmf`, ...).

pub mod bernoulli;
pub mod beta;
pub mod binomial;
pub mod categorical;
pub mod cauchy;
pub mod chi_square;
pub mod dirichlet;
pub mod distribution;
pub mod exponential;
pub mod family;
pub mod flat;
pub mod gamma;
pub mod gumbel;
pub mod half_cauchy;
pub mod half_normal;
pub mod half_student_t;
pub mod iid;
pub mod inverse_gamma;
pub mod laplace;
pub mod lkj_cholesky;
pub mod logistic;
pub mod lognormal;
pub mod multi_normal;
pub mod negative_binomial;
pub mod normal;
pub mod poisson;
pub mod skew_normal;
pub mod student_t;
pub mod uniform;
pub mod validation;
pub mod vectorized;
pub mod weibull;

pub use bernoulli::*;
pub use beta::*;
pub use binomial::*;
pub use categorical::*;
pub use cauchy::*;
pub use chi_square::*;
pub use dirichlet::*;
pub use distribution::*;
pub use exponential::*;
pub use family::*;
pub use flat::*;
pub use gamma::*;
pub use gumbel::*;
pub use half_cauchy::*;
pub use half_normal::*;
pub use half_student_t::*;
pub use iid::*;
pub use inverse_gamma::*;
pub use laplace::*;
pub use lkj_cholesky::*;
pub use logistic::*;
pub use lognormal::*;
pub use multi_normal::*;
pub use negative_binomial::*;
pub use normal::*;
pub use poisson::*;
pub use skew_normal::*;
pub use student_t::*;
pub use uniform::*;
pub use vectorized::*;
pub use weibull::*;
