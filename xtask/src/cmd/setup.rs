//! `cargo xtask setup [--run | --packages] [--all]`: the apt-get line that installs every
//! toolchain Debian provides for the shipped targets that this machine lacks (with --all,
//! for every target); `--run` runs it as root, `--packages` prints just the names for scripts.

use crate::paths;
use crate::probe;
use crate::spec::target;
use std::collections::BTreeSet;
use std::path::Path;

/// Debian packages of the targets that are missing here (all targets with `all`).
pub fn packages(root: &Path, all: bool) -> anyhow::Result<(BTreeSet<String>, Vec<String>)> {
    let mut packages = BTreeSet::new();
    let mut manual = Vec::new();
    for (name, t) in target::load_all(&paths::targets_dir(root))? {
        let t = t?;
        if !all && probe::probe(&t).is_available() {
            continue;
        }
        packages.extend(t.apt.iter().cloned());
        if !t.apt_installable() {
            manual.push(format!("{name}: {}", t.install_hint()));
        }
    }
    Ok((packages, manual))
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Run the apt-get commands (as root) instead of printing them.
    #[arg(long)]
    pub run: bool,
    /// Print only the Debian package names, on one line.
    #[arg(long, conflicts_with = "run")]
    pub packages: bool,
    /// Every target's packages, not only those missing here.
    #[arg(long)]
    pub all: bool,
}

impl Args {
    pub fn run(self, ctx: &super::Context) -> anyhow::Result<super::Outcome> {
        run(&ctx.root, self.run, self.packages, self.all)
    }
}

fn run(root: &Path, execute: bool, packages_only: bool, all: bool) -> anyhow::Result<super::Outcome> {
    let (packages, manual) = packages(root, all)?;
    if packages_only {
        println!("{}", packages.into_iter().collect::<Vec<_>>().join(" "));
        return Ok(super::Outcome::Success);
    }
    let mut argv = vec!["apt-get".to_string(), "install".into(), "-y".into(), "--no-install-recommends".into()];
    argv.extend(packages.iter().cloned());
    if packages.is_empty() {
        println!("# every target that Debian's packages provide is installed");
    } else {
        println!("apt-get update && {}", argv.join(" "));
    }
    for line in &manual {
        println!("# beyond apt: {line}");
    }
    if !execute || packages.is_empty() {
        return Ok(super::Outcome::Success);
    }
    for cmd in [vec!["apt-get".to_string(), "update".into()], argv] {
        let status = duct::cmd(&cmd[0], &cmd[1..]).env("DEBIAN_FRONTEND", "noninteractive").unchecked().run()?.status;
        if !status.success() {
            eprintln!("`{}` failed ({status})", cmd.join(" "));
            return Ok(super::Outcome::Failure);
        }
    }
    Ok(super::Outcome::Success)
}
