use clap::Parser;

/// glibc's allocator took a third of the instructions of the cheapest
/// request (see BENCHMARKS.md); mimalloc takes a fraction of that. Built
/// without transparent huge pages, which held about 15 MB more resident.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dingcal::cli::run(dingcal::cli::Cli::parse())
}
