//! Workspace-level tests live in `tests/it/`, one test binary; this crate has no library code.
