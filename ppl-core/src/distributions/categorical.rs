//! The Categorical and CategoricalLogit distributions.
