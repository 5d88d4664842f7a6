//! Upper-bound transform x = hi - exp(u).
