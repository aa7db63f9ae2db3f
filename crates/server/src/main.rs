#![forbid(unsafe_code)]

/// Serving a page of calls is mostly allocating and freeing small strings and maps; under
/// load glibc's malloc took about a sixth of the server's time (perf, bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    switchyard::cli::main()
}
