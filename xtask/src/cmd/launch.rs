//! `xtask __launch <json>` (hidden): launcher mode, see `measure::launcher`.

pub fn run(request_json: &str) -> ! {
    crate::measure::launcher::main(request_json)
}
