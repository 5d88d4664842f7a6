//! Lower-bound transform x = lo + exp(u) (Positive is lo = 0).
