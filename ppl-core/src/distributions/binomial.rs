//! The Binomial and BinomialLogit distributions.
