//! Formats policy files to standard output (a development aid; `edict fmt` is the real
//! command).
fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        let result = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| fmt::format(&text).map_err(|e| e.to_string()));
        match result {
            Ok(out) => print!("{out}"),
            Err(e) => {
                eprintln!("{path}: {e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
