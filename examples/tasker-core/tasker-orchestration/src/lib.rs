//! Orchestration system.

use tasker_shared::Task;

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

pub fn enqueue(task: &Task) -> String {
    format!(
        "NOTIFY {}, '{}'",
        tasker_pgmq::notify_channel(&task.queue),
        task.name
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn enqueue_uses_pgmq_channel() {
        let task = tasker_shared::Task::new("t", "q");
        assert!(super::enqueue(&task).contains(&tasker_pgmq::notify_channel("q")));
    }
}
