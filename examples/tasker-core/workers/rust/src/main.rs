fn main() {
    println!("tasker-worker {}", tasker_worker::version());
    println!("{}", tasker_worker::handle("example_task", "default"));
}
