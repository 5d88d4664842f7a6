//! Stick-breaking transform onto the probability simplex.
