//! The limit options shared by `check`, `explore`, `export`, `catalogue` and
//! `matrix`, and how each is read: a limit ends a run in "inconclusive after N states (limit: …)" with what
//! was found so far, never in an abort.

use std::time::Duration;

use clap::Args;

use convex_auth_model::engine::{memory, Limits, MAX_DURATION};

/// The share of the machine's memory a run may use unless `--max-memory` says
/// otherwise.
const DEFAULT_MEMORY_SHARE: f64 = 0.5;

#[derive(Args, Clone, Default)]
pub struct LimitArgs {
    /// Stop exploring a check after this many unique states (with --engine
    /// stateright: states generated, as stateright counts them); the verdicts not yet
    /// decided become inconclusive.
    #[arg(long, value_name = "N", value_parser = parse_states)]
    pub max_states: Option<usize>,
    /// Stop exploring a check after this many seconds (at most 2592000, 30 days;
    /// longer values are clamped to it).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub max_seconds: Option<Duration>,
    /// Stop exploring when the process uses this much memory: a size such as 8G,
    /// 512M or 1073741824 (K, M, G, T are powers of 1024), a share of the machine's
    /// memory such as 25%, or `none`. Default: 50% of the machine's memory (or of
    /// its cgroup limit, when lower); under an address space limit (`ulimit -v`)
    /// every cap but `none` is at most 50% of that limit.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    pub max_memory: Option<MemoryCap>,
}

/// What `--max-memory` said.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MemoryCap {
    Bytes(u64),
    Share(f64),
    None,
}

impl LimitArgs {
    /// The engine's limits.
    pub fn resolve(&self) -> Result<Limits, String> {
        let cap = self
            .max_memory
            .unwrap_or(MemoryCap::Share(DEFAULT_MEMORY_SHARE));
        let max_memory = match cap {
            MemoryCap::Bytes(b) => Some(b),
            MemoryCap::None => None,
            MemoryCap::Share(share) => match memory::physical_bytes() {
                Some(total) => Some((total as f64 * share) as u64),
                None if self.max_memory.is_none() => None,
                None => {
                    return Err(
                        "--max-memory: this machine's memory size cannot be read; give a size such as 8G"
                            .into(),
                    )
                }
            },
        };
        // Under `ulimit -v` an allocation past the address space limit aborts the
        // process: whatever the cap, it stays within a share of that limit (the
        // caps then count the virtual size, `memory::used_bytes`).
        let max_memory = match (cap, memory::address_space_limit()) {
            (MemoryCap::None, _) | (_, None) => max_memory,
            (_, Some(limit)) => {
                let within = (limit as f64 * DEFAULT_MEMORY_SHARE) as u64;
                Some(max_memory.map_or(within, |m| m.min(within)))
            }
        };
        Ok(Limits {
            max_states: self.max_states,
            max_duration: self.max_seconds,
            max_memory,
        })
    }
}

pub(crate) fn parse_states(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number of states")),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err("must be a positive number of seconds".into());
    }
    if seconds > MAX_DURATION.as_secs_f64() {
        eprintln!(
            "note: --max-seconds {text} is more than 30 days; clamped to {}",
            MAX_DURATION.as_secs()
        );
        return Ok(MAX_DURATION);
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_memory(text: &str) -> Result<MemoryCap, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(MemoryCap::None);
    }
    if let Some(percent) = t.strip_suffix('%') {
        let p: f64 = percent
            .trim()
            .parse()
            .map_err(|_| format!("{text:?}: not a percentage"))?;
        if !(p > 0.0 && p <= 100.0) {
            return Err("a share of memory must be more than 0% and at most 100%".into());
        }
        return Ok(MemoryCap::Share(p / 100.0));
    }
    let upper = t.to_ascii_uppercase();
    let number = upper.trim_end_matches("IB").trim_end_matches('B');
    let (digits, unit) = match number.char_indices().last() {
        Some((i, c @ ('K' | 'M' | 'G' | 'T'))) => (&number[..i], c),
        _ => (number, ' '),
    };
    let value: f64 = digits.trim().parse().map_err(|_| {
        format!("{text:?} is not a size; write e.g. 8G, 512M, 1073741824, 25% or none")
    })?;
    let scale = match unit {
        'K' => 1u64 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        'T' => 1 << 40,
        _ => 1,
    };
    let bytes = value * scale as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("{text:?}: a memory cap must be at least 1 byte"));
    }
    Ok(MemoryCap::Bytes(bytes as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_memory("8G"), Ok(MemoryCap::Bytes(8 << 30)));
        assert_eq!(parse_memory("512MiB"), Ok(MemoryCap::Bytes(512 << 20)));
        assert_eq!(parse_memory("1.5g"), Ok(MemoryCap::Bytes(3 << 29)));
        assert_eq!(parse_memory("1024"), Ok(MemoryCap::Bytes(1024)));
        assert_eq!(parse_memory("25%"), Ok(MemoryCap::Share(0.25)));
        assert_eq!(parse_memory("none"), Ok(MemoryCap::None));
        for bad in ["", "G", "-1G", "0", "150%", "0%", "lots", "1e400"] {
            assert!(parse_memory(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn absurd_durations_clamp_and_nonsense_is_refused() {
        assert_eq!(parse_seconds("1e20"), Ok(MAX_DURATION));
        assert_eq!(parse_seconds("inf"), Ok(MAX_DURATION));
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-3", "NaN", "soon", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_states("0").is_err());
        assert_eq!(parse_states("31000"), Ok(31000));
    }

    #[test]
    fn the_default_memory_cap_is_half_the_machine() {
        let limits = LimitArgs::default().resolve().unwrap();
        let within = memory::address_space_limit().map(|l| l / 2);
        match (memory::physical_bytes(), within) {
            (Some(total), None) => assert_eq!(limits.max_memory, Some(total / 2)),
            (Some(total), Some(w)) => assert_eq!(limits.max_memory, Some((total / 2).min(w))),
            (None, w) => assert_eq!(limits.max_memory, w),
        }
        let none = LimitArgs {
            max_memory: Some(MemoryCap::None),
            ..LimitArgs::default()
        };
        assert_eq!(none.resolve().unwrap().max_memory, None);
    }
}
