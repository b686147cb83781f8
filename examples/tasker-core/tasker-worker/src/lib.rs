//! FFI-capable worker foundation.

use tasker_shared::Task;

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

pub fn handle(name: &str, queue: &str) -> String {
    let task = Task::new(name, queue);
    format!(
        "{} (listening on {})",
        tasker_client::describe(&task),
        tasker_pgmq::notify_channel(queue)
    )
}

/// C ABI version implemented by this worker foundation.
#[no_mangle]
pub extern "C" fn tasker_worker_abi_version() -> u32 {
    1
}
