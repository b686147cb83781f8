//! Workspace root crate (not published).

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
