//! How much memory the process uses and how much the machine has, read from Linux's
//! `/proc` and cgroup files. Elsewhere every answer is `None` and memory caps are
//! not enforced (the state and time limits still are).

/// The resident set size of this process, in bytes (`VmRSS` of `/proc/self/status`).
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&status, "VmRSS:")
}

/// What the memory caps count: the resident set size, or, when the address space
/// is limited (`ulimit -v`, `RLIMIT_AS`), the virtual size (`VmSize`), which is
/// what that limit counts and is never smaller.
pub fn used_bytes() -> Option<u64> {
    if address_space_limit().is_some() {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        return kib_field(&status, "VmSize:");
    }
    resident_bytes()
}

/// The memory this process may use: the machine's physical memory (`MemTotal` of
/// `/proc/meminfo`), or the limit of the process's memory cgroup when lower (cgroup
/// v2 `memory.max` or v1 `memory.limit_in_bytes`, of its own cgroup, each cgroup
/// above it and the mount's root, whichever is lowest).
pub fn physical_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let total = kib_field(&meminfo, "MemTotal:")?;
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let cgroup = cgroup_limit(std::path::Path::new("/sys/fs/cgroup"), &own);
    Some(cgroup.map_or(total, |c| c.min(total)))
}

/// The soft limit of this process's address space (`Max address space` of
/// `/proc/self/limits`, set by `ulimit -v`), when there is one.
pub fn address_space_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    soft_limit(&limits, "Max address space")
}

/// The soft limit of a `/proc/<pid>/limits` row; `None` when unlimited.
fn soft_limit(limits: &str, name: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// The lowest memory limit of the cgroups of `/proc/self/cgroup` (`own`), read
/// under the cgroup mount `root`: cgroup v2 (`0::/path`, `memory.max` under
/// `root` or `root/unified`) and v1 (`N:memory:/path`, `memory.limit_in_bytes`
/// under `root/memory`), for the cgroup itself, every cgroup above it, and the
/// mount's root (a container sees its own cgroup there). "max" and v1's
/// page-rounded `i64::MAX` are no limit.
fn cgroup_limit(root: &std::path::Path, own: &str) -> Option<u64> {
    let mut found: Vec<u64> = Vec::new();
    let mut read_up = |mount: std::path::PathBuf, file: &str, path: &str| {
        let mut dir = std::path::PathBuf::from(path.trim_start_matches('/'));
        loop {
            let limit = std::fs::read_to_string(mount.join(&dir).join(file))
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .filter(|&l| l < (1 << 62));
            found.extend(limit);
            if !dir.pop() {
                break;
            }
        }
    };
    let mut v1 = "/".to_string();
    let mut v2 = "/".to_string();
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next(), parts.next(), parts.next());
        match (controllers, path) {
            (Some(""), Some(path)) => v2 = path.to_string(),
            (Some(c), Some(path)) if c.split(',').any(|c| c == "memory") => v1 = path.to_string(),
            _ => {}
        }
    }
    read_up(root.to_path_buf(), "memory.max", &v2);
    read_up(root.join("unified"), "memory.max", &v2);
    read_up(root.join("memory"), "memory.limit_in_bytes", &v1);
    found.into_iter().min()
}

/// A `Name:   1234 kB` line of a `/proc` file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// `1.5 GiB`, `300.0 MiB`: a byte count for people.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kib_fields() {
        let text = "Name:\tx\nVmRSS:\t    2048 kB\nVmSwap:\t0 kB\n";
        assert_eq!(kib_field(text, "VmRSS:"), Some(2 * 1024 * 1024));
        assert_eq!(kib_field(text, "VmHWM:"), None);
    }

    #[test]
    fn reads_the_address_space_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max stack size            8388608              unlimited            bytes     \n\
                      Max address space         204800000            unlimited            bytes     \n";
        assert_eq!(soft_limit(limits, "Max address space"), Some(204_800_000));
        let unlimited =
            "Max address space         unlimited            unlimited            bytes     \n";
        assert_eq!(soft_limit(unlimited, "Max address space"), None);
    }

    /// The lowest limit of the process's own cgroup, those above it and the
    /// mount's root, on cgroup v1 and v2.
    #[test]
    fn reads_cgroup_v1_and_v2_limits_of_the_own_cgroup() {
        let root = std::env::temp_dir().join(format!("cgroup-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let write = |path: &str, text: &str| {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        };
        // v1: the root unlimited, the own cgroup limited.
        write("memory/memory.limit_in_bytes", "9223372036854771712\n");
        write(
            "memory/jobs/a/memory.limit_in_bytes",
            "9223372036854771712\n",
        );
        write("memory/jobs/memory.limit_in_bytes", "3221225472\n");
        let v1 = "5:cpu,cpuacct:/jobs/a\n4:memory:/jobs/a\n0::/\n";
        assert_eq!(cgroup_limit(&root, v1), Some(3 << 30));
        // v2: the own cgroup's memory.max, lower than its parent's.
        write("memory.max", "max\n");
        write("user.slice/run.scope/memory.max", "1073741824\n");
        write("user.slice/memory.max", "2147483648\n");
        let v2 = "0::/user.slice/run.scope\n";
        assert_eq!(cgroup_limit(&root, v2), Some(1 << 30));
        // Neither: no limit.
        assert_eq!(cgroup_limit(&root.join("nothing"), v2), None);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn prints_sizes_for_people() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(human(12 * 1024 * 1024 * 1024), "12.0 GiB");
    }

    #[test]
    fn this_process_has_a_resident_size_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(resident_bytes().unwrap() > 0);
            assert!(physical_bytes().unwrap() > resident_bytes().unwrap());
        }
    }
}
