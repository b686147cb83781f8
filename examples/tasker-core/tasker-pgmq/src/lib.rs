//! PGMQ wrapper with NOTIFY support.

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Name of the NOTIFY channel used for a queue.
pub fn notify_channel(queue: &str) -> String {
    format!("pgmq_{queue}_notify")
}
