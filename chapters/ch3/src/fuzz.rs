//! The options every fuzzer of the chapter takes (`cargo xtask fuzz ID -- …`):
//! `--count N --seconds S --seed N --jobs J`, and `--only N` to replay one message.

/// A fuzzer's options.
pub struct Options {
    /// How many messages to try (default 100,000).
    pub count: u64,
    /// Stop early when this many seconds have passed.
    pub seconds: Option<f64>,
    /// The seed of the stream of messages (default: a fresh one, always printed).
    pub seed: u64,
    /// How many workers at once (default: one per core).
    pub jobs: usize,
    /// Only message number N of the seed's stream (to replay a failure).
    pub only: Option<u64>,
}

impl Options {
    /// Parses the process's arguments; `--only` is accepted only where `can_replay_one`.
    pub fn from_args(can_replay_one: bool) -> Result<Options, String> {
        let mut options = Options {
            count: 100_000,
            seconds: None,
            seed: fastrand::u64(..),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            only: None,
        };
        let mut words = std::env::args().skip(1);
        while let Some(flag) = words.next() {
            let value = words
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?;
            let bad = || format!("{flag} {value}: not a number");
            match flag.as_str() {
                "--count" => options.count = value.parse().map_err(|_| bad())?,
                "--seconds" => options.seconds = Some(value.parse().map_err(|_| bad())?),
                "--seed" => options.seed = value.parse().map_err(|_| bad())?,
                "--jobs" => options.jobs = value.parse::<usize>().map_err(|_| bad())?.max(1),
                "--only" if can_replay_one => {
                    options.only = Some(value.parse().map_err(|_| bad())?)
                }
                _ => {
                    let known = if can_replay_one {
                        "--count, --seconds, --seed, --jobs, --only"
                    } else {
                        "--count, --seconds, --seed, --jobs"
                    };
                    return Err(format!("unknown argument {flag} (try {known})"));
                }
            }
        }
        Ok(options)
    }
}
