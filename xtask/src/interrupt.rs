//! Ctrl-C and SIGTERM for the supervisor: a flag the session checks between runs (and the
//! batch driver forwards to the running launcher), so an interrupted matrix stops cleanly,
//! keeps every finished run and says where they are.

use std::sync::atomic::{AtomicBool, Ordering};

static GLOBAL: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    GLOBAL.store(true, Ordering::SeqCst);
}

/// The flag the signal handlers set. Tests hand the session a flag of their own instead.
pub fn global() -> &'static AtomicBool {
    &GLOBAL
}

/// Routes SIGINT, SIGTERM and SIGHUP to the global flag (the process keeps running).
pub fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        unsafe { libc::signal(sig, on_signal as *const () as libc::sighandler_t) };
    }
}

pub fn requested(flag: &AtomicBool) -> bool {
    flag.load(Ordering::SeqCst)
}
