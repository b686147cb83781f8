//! CLI utilities, config explorer and plugin foundation.

pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

pub fn run(args: &[String]) -> String {
    let name = args.first().map(String::as_str).unwrap_or("example");
    let task = tasker_shared::Task::new(name, "default");
    tasker_client::describe(&task)
}
