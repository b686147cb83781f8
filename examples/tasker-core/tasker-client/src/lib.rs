//! API client (REST + gRPC transport).

use tasker_shared::Task;

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

pub fn describe(task: &Task) -> String {
    format!("{} -> {}", task.name, task.channel())
}
