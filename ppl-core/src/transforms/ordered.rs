//! Ordered and positive-ordered vector transforms.
