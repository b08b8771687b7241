//! `cargo xtask setup [--run]`: the one apt-get line that installs every toolchain Debian
//! provides for the shipped targets; with `--run`, runs it (as root).

use crate::paths;
use crate::spec::target;
use std::collections::BTreeSet;
use std::path::Path;

pub fn packages(root: &Path) -> anyhow::Result<BTreeSet<String>> {
    let mut packages = BTreeSet::new();
    for (_, t) in target::load_all(&paths::targets_dir(root))? {
        packages.extend(t?.apt);
    }
    Ok(packages)
}

pub fn run(root: &Path, execute: bool) -> anyhow::Result<i32> {
    let packages = packages(root)?;
    let mut argv = vec!["apt-get".to_string(), "install".into(), "-y".into(), "--no-install-recommends".into()];
    argv.extend(packages);
    println!("apt-get update && {}", argv.join(" "));
    let targets = target::load_all(&paths::targets_dir(root))?;
    for (name, t) in targets.iter().filter_map(|(n, t)| t.as_ref().ok().map(|t| (n, t))) {
        if !t.apt_installable() {
            println!("# {name}: {}", t.install_hint());
        }
    }
    if !execute {
        return Ok(super::EXIT_OK);
    }
    for cmd in [vec!["apt-get".to_string(), "update".into()], argv] {
        let status = duct::cmd(&cmd[0], &cmd[1..]).env("DEBIAN_FRONTEND", "noninteractive").unchecked().run()?.status;
        if !status.success() {
            eprintln!("`{}` failed ({status})", cmd.join(" "));
            return Ok(super::EXIT_FAILED);
        }
    }
    Ok(super::EXIT_OK)
}
