//! Foundational types, models and messaging.

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub name: String,
    pub queue: String,
}

impl Task {
    pub fn new(name: &str, queue: &str) -> Self {
        Task {
            name: name.to_string(),
            queue: queue.to_string(),
        }
    }

    pub fn channel(&self) -> String {
        tasker_pgmq::notify_channel(&self.queue)
    }
}
