//! The `edict` binary; everything happens in the `edict_cli` library.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(edict_cli::run())
}
