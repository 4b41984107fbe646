use clap::Parser;

fn main() -> std::process::ExitCode {
    dingcal::cli::run(dingcal::cli::Cli::parse())
}
