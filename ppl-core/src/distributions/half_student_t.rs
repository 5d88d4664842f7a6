//! The HalfStudentT distribution.
