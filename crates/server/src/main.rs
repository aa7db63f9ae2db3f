#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    switchyard::cli::main()
}
