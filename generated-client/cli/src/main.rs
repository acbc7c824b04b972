//! `veeam`: see the library's documentation (`veeam_cli`).

fn main() -> std::process::ExitCode {
    veeam_cli::run(std::env::args_os(), &veeam_cli::Io::process()).into()
}
