//! The Bernoulli and BernoulliLogit distributions.
