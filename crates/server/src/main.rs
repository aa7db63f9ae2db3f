#![forbid(unsafe_code)]

/// mimalloc rather than glibc's malloc: allocating and freeing took a tenth of the server's
/// CPU on `GET /calls/{id}` (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    switchyard::cli::main()
}
