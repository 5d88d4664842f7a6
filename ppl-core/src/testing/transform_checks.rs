//! Checks every transform passes: round trip, lands in support, log-Jacobian vs numerical Jacobian, reverse rule vs finite differences.
