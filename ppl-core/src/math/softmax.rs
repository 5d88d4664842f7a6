//! softmax and log_softmax of a vector, with reverse rules.
