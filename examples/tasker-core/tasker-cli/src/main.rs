fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "tasker-cli {}: {}",
        tasker_cli::version(),
        tasker_cli::run(&args)
    );
}
