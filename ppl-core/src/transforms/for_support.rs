//! The single mapping from a Support to its transform, used by sample sites.
