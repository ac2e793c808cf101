//! `veriscope`: the command-line door.
//!
//! Every command prints JSON on stdout — the result, or the APIs' error body
//! `{"error": {...}}` — one line per input, and exits by error class (see
//! `EXIT CODES` in `--help`). Logic lives in the `veriscope` crate.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use veriscope::mrz;
use veriscope::validate::{self, Limits};
use veriscope::webhook::{HeaderMap, Scheme, Secret, Signer, Verifier};
use veriscope::{Error, ErrorCode, VerificationStatus};

const EXIT_CODES: &str = "EXIT CODES:
  0  success
  1  input rejected (VALIDATION_ERROR, UNSUPPORTED_FORMAT, FILE_TOO_LARGE, INVALID_TRANSITION,
     every WEBHOOK_* code: the webhook is not verified; an MRZ or NIK with findings;
     a document analysed as forged;
     NOT_FOUND: no MRZ in the image)
  2  bad usage or unreadable input (INVALID_ARGUMENT)
  3  remote failure (UNAUTHORIZED, TRIAL_EXHAUSTED, FETCH_FAILED, RATE_LIMITED, CAP_EXCEEDED, NETWORK_ERROR, TIMEOUT)
  4  internal error";

/// Local, offline identity-document verification.
#[derive(Debug, Parser)]
#[command(name = "veriscope", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate documents as the forgery API would receive them (size
    /// limits, format from magic bytes, URL rules); one JSON line per input.
    Validate(ValidateArgs),
    /// Validate an API request body (JSON file, or - for stdin).
    Request {
        #[command(subcommand)]
        kind: RequestKind,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Verification statuses and their legal transitions.
    Status {
        #[command(subcommand)]
        action: StatusAction,
    },
    /// Sign or verify webhook payloads.
    Webhook {
        #[command(subcommand)]
        action: WebhookAction,
    },
    /// Analyse each document (JPEG, PNG, PDF) for forgery and print the
    /// forgery API's JSON, one line per file, with a progress bar on stderr
    /// for batches; exit 0 only when no file scores as forged.
    Analyze {
        /// Documents to analyse (- reads stdin).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print every signal, the model's features and the heat map too.
        #[arg(long)]
        details: bool,
        /// MRZ text read by other means, checked instead of reading the image.
        #[arg(long, value_name = "FILE")]
        mrz_text: Option<PathBuf>,
        /// A KTP's NIK, checked against --birth-date, --sex and --province.
        #[arg(long)]
        nik: Option<String>,
        /// Claimed date of birth beside the NIK, YYYY-MM-DD.
        #[arg(long, requires = "nik")]
        birth_date: Option<String>,
        /// Claimed sex beside the NIK: male or female.
        #[arg(long, requires = "nik")]
        sex: Option<String>,
        /// Claimed province beside the NIK (code or name).
        #[arg(long, requires = "nik")]
        province: Option<String>,
        /// Reference date for MRZ and NIK dates (YYYY-MM-DD) [default: today].
        #[arg(long)]
        today: Option<String>,
    },
    /// Serve the hosted APIs' endpoints with the local engine
    /// (`POST /api/v1/verify`, `GET /services`) until interrupted.
    Serve {
        /// The server's TOML configuration (listen address, hashed API keys,
        /// database, limits). Without it, the defaults; either way the
        /// `VERISCOPE_SERVE_*` environment variables set keys over it.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Listen here instead of the configuration's address.
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Call the hosted APIs (or a `veriscope serve`) instead of the local
    /// engine.
    Remote {
        #[command(subcommand)]
        action: RemoteAction,
    },
    /// Print the SHA-256 of an API key read from stdin, as `veriscope serve`'s
    /// configuration stores it (the key itself is never written down).
    HashKey,
    /// Compare the portrait on an ID card (KTP) with the face in a selfie;
    /// print the face-match result as JSON. Exit 0 when the faces match, 5
    /// when they do not, and an error class otherwise.
    FaceMatch {
        /// The ID card photo (JPEG or PNG; - reads stdin).
        id_card: PathBuf,
        /// The selfie (JPEG or PNG).
        selfie: PathBuf,
        /// Directory holding the models [default: $VERISCOPE_MODELS, else ./models].
        #[arg(long, value_name = "DIR")]
        models: Option<PathBuf>,
        /// Print both faces' boxes, landmarks and quality too.
        #[arg(long)]
        details: bool,
        /// Descriptor distance at or below which the faces match [default: 0.6].
        #[arg(long)]
        match_threshold: Option<f64>,
        /// Distance at or below which the match is HIGH [default: 0.5].
        #[arg(long)]
        high_threshold: Option<f64>,
        /// Do not look for sideways or upside-down faces.
        #[arg(long)]
        no_rotations: bool,
    },
    /// Read the machine-readable zone of each image (JPEG, PNG), or parse
    /// one given as text; print fields, check digits and findings as JSON;
    /// exit 0 only when every zone is found and every check passes.
    Mrz {
        /// Images of passport pages or ID cards (- reads stdin).
        files: Vec<PathBuf>,
        /// MRZ text instead of an image: 2 or 3 lines (- reads stdin).
        #[arg(long, value_name = "FILE", conflicts_with = "files")]
        text: Option<PathBuf>,
        /// Reference date for two-digit years (YYYY-MM-DD) [default: today].
        #[arg(long)]
        today: Option<String>,
    },
    /// Parse an Indonesian NIK and compare it with claimed fields; exit 0
    /// only when it is valid and agrees.
    Nik {
        /// The 16-digit NIK (spaces, dots and dashes ignored).
        nik: String,
        /// Claimed date of birth, YYYY-MM-DD.
        #[arg(long)]
        birth_date: Option<String>,
        /// Claimed sex: male or female.
        #[arg(long)]
        sex: Option<String>,
        /// Claimed province: code (31) or name (DKI Jakarta).
        #[arg(long)]
        province: Option<String>,
        /// Reference date for the birth year's century (YYYY-MM-DD) [default: today].
        #[arg(long)]
        today: Option<String>,
    },
    /// Print the service catalogue (as GET /services).
    Services,
    /// Print every error code with its number and HTTP status.
    Errors,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Files sent as multipart uploads (- reads stdin).
    files: Vec<PathBuf>,
    /// A documentUrl to check (not fetched).
    #[arg(long, value_name = "URL")]
    url: Vec<String>,
    /// A file holding base64 text or a data URL (- reads stdin).
    #[arg(long, value_name = "FILE")]
    base64: Vec<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Args)]
struct LimitArgs {
    /// Most bytes of a multipart or base64 document [default: 4718592].
    #[arg(long, global = true, value_name = "BYTES")]
    max_inline_bytes: Option<u64>,
    /// Most bytes of a URL document [default: 10485760].
    #[arg(long, global = true, value_name = "BYTES")]
    max_url_bytes: Option<u64>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            max_inline_bytes: self.max_inline_bytes.unwrap_or(defaults.max_inline_bytes),
            max_url_bytes: self.max_url_bytes.unwrap_or(defaults.max_url_bytes),
            ..defaults
        }
    }
}

#[derive(Debug, Subcommand)]
enum RequestKind {
    /// A POST /api/v1/verify JSON body ({"document"} or {"documentUrl"}).
    Verify { file: PathBuf },
    /// A create-verification body, checked against the service catalogue.
    CreateVerification { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum RemoteAction {
    /// Send each document to the forgery API and print its answer
    /// (`{"data": {...}}`), one line per document; exit 0 when every call
    /// succeeded, else the worst error class. Inputs are checked locally
    /// first: a file the API would refuse is never sent.
    Verify {
        /// Files (JPEG, PNG, PDF; - reads stdin) or https:// URLs the API fetches.
        #[arg(required = true, value_name = "FILE|URL")]
        documents: Vec<String>,
        /// The API's address, e.g. a veriscope serve at http://127.0.0.1:8080.
        #[arg(long, value_name = "URL", default_value = veriscope::client::DEFAULT_BASE_URL)]
        base_url: String,
        /// The API key (prefer the environment variable: a flag shows in `ps`).
        #[arg(long, env = "VERISCOPE_API_KEY", hide_env_values = true)]
        api_key: String,
        /// Seconds allowed per request (retries get their own).
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Retries after a rate limit or a server failure.
        #[arg(long, default_value_t = 3)]
        retries: u32,
    },
}

#[derive(Debug, Subcommand)]
enum WebhookAction {
    /// Print the headers to send with FILE (the raw body; - reads stdin).
    Sign {
        /// Signing secret: whsec_<base64>, or a plain per-verification secret. Repeat to sign with several.
        #[arg(long = "secret", required = true, value_name = "SECRET")]
        secrets: Vec<String>,
        /// Message id (Standard Webhooks).
        #[arg(long)]
        id: Option<String>,
        /// Unix seconds [default: now].
        #[arg(long)]
        timestamp: Option<i64>,
        /// standard, timestamped or sha256.
        #[arg(long, default_value = "standard")]
        scheme: Scheme,
        /// The body, exactly as it will be sent.
        file: PathBuf,
    },
    /// Verify FILE (the raw body received) against its headers; exit 0 only when verified.
    Verify {
        /// Accepted secret; repeat during a rotation.
        #[arg(long = "secret", required = true, value_name = "SECRET")]
        secrets: Vec<String>,
        /// A received header, as 'Name: value'; repeat for each.
        #[arg(long = "header", short = 'H', value_name = "HEADER")]
        headers: Vec<String>,
        /// Allowed distance between the timestamp and now, in seconds.
        #[arg(long, default_value_t = veriscope::webhook::DEFAULT_TOLERANCE_SECONDS)]
        tolerance: u64,
        /// Only accept this scheme (default: detect from the headers).
        #[arg(long)]
        scheme: Option<Scheme>,
        /// Verify as if the time were this Unix second.
        #[arg(long)]
        now: Option<i64>,
        /// Print the verification object carried by the body too.
        #[arg(long)]
        event: bool,
        /// The body, exactly as received.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum StatusAction {
    /// Print every status with its allowed next statuses and whether it is terminal.
    Table,
    /// Succeed if FROM may move to TO, else print INVALID_TRANSITION.
    Check { from: String, to: String },
}

fn read_input(path: &Path) -> Result<Vec<u8>, Error> {
    let unreadable = |err: std::io::Error| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("cannot read {}: {err}", path.display()),
        )
    };
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        Ok(bytes)
    } else {
        std::fs::read(path).map_err(unreadable)
    }
}

fn read_text(path: &Path) -> Result<String, Error> {
    String::from_utf8(read_input(path)?).map_err(|err| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("{} is not UTF-8 text: {err}", path.display()),
        )
    })
}

fn exit_class(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::ValidationError
        | ErrorCode::UnsupportedFormat
        | ErrorCode::FileTooLarge
        | ErrorCode::InvalidTransition
        | ErrorCode::NotFound
        | ErrorCode::WebhookMissingHeader
        | ErrorCode::WebhookMalformedHeader
        | ErrorCode::WebhookTimestampTooOld
        | ErrorCode::WebhookTimestampTooNew
        | ErrorCode::WebhookSignatureMismatch
        | ErrorCode::WebhookUnsigned
        | ErrorCode::WebhookInvalidSecret
        | ErrorCode::FaceNotFound => 1,
        ErrorCode::InvalidArgument => 2,
        ErrorCode::Internal => 4,
        _ => 3,
    }
}

/// Prints one outcome as a JSON line; returns its exit class.
fn emit(outcome: Result<String, Error>) -> u8 {
    match outcome {
        Ok(json) => {
            println!("{json}");
            0
        }
        Err(err) => {
            println!("{}", err.to_json());
            exit_class(err.code())
        }
    }
}

fn json_of<T: serde::Serialize>(result: Result<T, Error>) -> Result<String, Error> {
    result.map(|value| veriscope::to_json(&value))
}

fn validate_command(args: &ValidateArgs) -> u8 {
    let limits = args.limits.limits();
    if args.files.is_empty() && args.url.is_empty() && args.base64.is_empty() {
        return emit(Err(Error::new(
            ErrorCode::InvalidArgument,
            "nothing to validate: give FILE, --url URL or --base64 FILE",
        )));
    }
    let mut worst = 0;
    for file in &args.files {
        let outcome = read_input(file)
            .and_then(|bytes| json_of(validate::check_document_bytes(&bytes, &limits)));
        worst = worst.max(emit(outcome));
    }
    for url in &args.url {
        worst = worst.max(emit(json_of(validate::check_document_url(url, &limits))));
    }
    for file in &args.base64 {
        let outcome = read_text(file).and_then(|text| {
            json_of(validate::decode_document_base64(&text, &limits).map(|decoded| decoded.info))
        });
        worst = worst.max(emit(outcome));
    }
    worst
}

fn secrets(texts: &[String]) -> Result<Vec<Secret>, Error> {
    texts.iter().map(|text| Secret::parse(text)).collect()
}

fn webhook_command(action: WebhookAction) -> u8 {
    match action {
        WebhookAction::Sign {
            secrets: keys,
            id,
            timestamp,
            scheme,
            file,
        } => {
            let outcome = (|| {
                let body = read_input(&file)?;
                let timestamp = match timestamp {
                    Some(timestamp) => timestamp,
                    None => veriscope::webhook::now_unix()?,
                };
                Signer::with_secrets(secrets(&keys)?)?.scheme(scheme).sign(
                    id.as_deref().unwrap_or(""),
                    timestamp,
                    &body,
                )
            })();
            match outcome {
                Ok(headers) => {
                    for (name, value) in headers.iter() {
                        println!("{name}: {value}");
                    }
                    0
                }
                Err(err) => emit(Err(err)),
            }
        }
        WebhookAction::Verify {
            secrets: keys,
            headers,
            tolerance,
            scheme,
            now,
            event,
            file,
        } => {
            let outcome = (|| {
                let body = read_input(&file)?;
                let mut map = HeaderMap::new();
                for line in &headers {
                    map.parse_line(line)?;
                }
                let mut verifier =
                    Verifier::with_secrets(secrets(&keys)?)?.tolerance_seconds(tolerance);
                if let Some(scheme) = scheme {
                    verifier = verifier.scheme(scheme);
                }
                let now = match now {
                    Some(now) => now,
                    None => veriscope::webhook::now_unix()?,
                };
                if event {
                    json_of(verifier.verify_event_at(&map, &body, now))
                } else {
                    json_of(verifier.verify_at(&map, &body, now))
                }
            })();
            emit(outcome)
        }
    }
}

/// Prints a check's JSON; exits 1 when it found problems.
fn remote_command(action: RemoteAction) -> u8 {
    let RemoteAction::Verify {
        documents,
        base_url,
        api_key,
        timeout,
        retries,
    } = action;
    let client = veriscope::client::Client::builder(api_key)
        .base_url(base_url)
        .timeout(std::time::Duration::from_secs(timeout))
        .retry(veriscope::client::RetryPolicy {
            max_retries: retries,
            ..Default::default()
        });
    let client = match veriscope::client::BlockingClient::new(client) {
        Ok(client) => client,
        Err(err) => return emit(Err(err)),
    };
    let mut worst = 0;
    for document in &documents {
        let report = if document.starts_with("https://") || document.starts_with("http://") {
            client.verify_document_url(document)
        } else {
            read_input(Path::new(document)).and_then(|bytes| client.verify_document(&bytes))
        };
        let answer =
            report.map(|data| veriscope::to_json(&veriscope::model::ForgeryResponse { data }));
        worst = worst.max(emit(answer));
    }
    worst
}

fn emit_check<T: serde::Serialize>(result: Result<T, Error>, valid: impl Fn(&T) -> bool) -> u8 {
    match result {
        Ok(value) => {
            println!("{}", veriscope::to_json(&value));
            u8::from(!valid(&value))
        }
        Err(err) => emit(Err(err)),
    }
}

fn mrz_command(files: &[PathBuf], text: Option<&Path>, today: Option<&str>) -> u8 {
    let today = match mrz::reference_date(today) {
        Ok(today) => today,
        Err(err) => return emit(Err(err)),
    };
    if let Some(text) = text {
        return emit_check(
            read_text(text).and_then(|text| mrz::parse_mrz(&text, today)),
            |mrz| mrz.valid,
        );
    }
    if files.is_empty() {
        return emit(Err(Error::new(
            ErrorCode::InvalidArgument,
            "nothing to read: give image FILEs or --text FILE",
        )));
    }
    let limits = veriscope::media::DecodeLimits::default();
    files
        .iter()
        .map(|file| {
            let reading = read_input(file).and_then(|bytes| mrz::read_mrz(&bytes, &limits, today));
            emit_check(reading, |reading| reading.mrz.valid)
        })
        .max()
        .unwrap_or(0)
}

/// What `veriscope analyze` was asked.
struct AnalyzeRequest {
    files: Vec<PathBuf>,
    details: bool,
    mrz_text: Option<PathBuf>,
    nik: Option<String>,
    claims: (Option<String>, Option<String>, Option<String>),
    today: Option<String>,
}

fn analyze_command(request: AnalyzeRequest) -> u8 {
    let options = (|| {
        let (birth_date, sex, province) = request.claims;
        let nik_claims = match request.nik {
            Some(_) => Some(nik_claims(birth_date, sex, province)?),
            None => None,
        };
        Ok::<_, Error>(veriscope::analysis::AnalysisOptions {
            mrz_text: request.mrz_text.as_deref().map(read_text).transpose()?,
            nik: request.nik,
            nik_claims,
            today: Some(mrz::reference_date(request.today.as_deref())?),
            details: request.details,
            ..Default::default()
        })
    })();
    let options = match options {
        Ok(options) => options,
        Err(err) => return emit(Err(err)),
    };
    let progress = if request.files.len() > 1 {
        indicatif::ProgressBar::new(request.files.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut worst = 0;
    for file in &request.files {
        progress.set_message(file.display().to_string());
        let outcome =
            read_input(file).and_then(|bytes| veriscope::analysis::analyze(&bytes, &options));
        let code = match outcome {
            Ok(analysis) => {
                let line = analysis.to_json(options.details);
                progress.suspend(|| println!("{line}"));
                u8::from(analysis.is_forged())
            }
            Err(err) => progress.suspend(|| emit(Err(err))),
        };
        worst = worst.max(code);
        progress.inc(1);
    }
    progress.finish_and_clear();
    worst
}

fn nik_claims(
    birth_date: Option<String>,
    sex: Option<String>,
    province: Option<String>,
) -> Result<mrz::NikClaims, Error> {
    let sex = match sex.as_deref() {
        None => None,
        Some("male" | "m" | "M") => Some(mrz::Sex::Male),
        Some("female" | "f" | "F") => Some(mrz::Sex::Female),
        Some(other) => {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("--sex {other:?}: expected male or female"),
            ));
        }
    };
    let birth_date = birth_date.map(|text| text.parse()).transpose()?;
    Ok(mrz::NikClaims {
        birth_date,
        sex,
        province,
    })
}

fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Validate(args) => validate_command(&args),
        Command::Request { kind, limits } => {
            let limits = limits.limits();
            let outcome = match kind {
                RequestKind::Verify { file } => read_text(&file)
                    .and_then(|body| json_of(validate::check_verify_request(&body, &limits))),
                RequestKind::CreateVerification { file } => read_text(&file)
                    .and_then(|body| json_of(validate::check_create_verification(&body, &limits))),
            };
            emit(outcome)
        }
        Command::Status {
            action: StatusAction::Table,
        } => emit(Ok(
            veriscope::to_json(&veriscope::model::transition_table()),
        )),
        Command::Status {
            action: StatusAction::Check { from, to },
        } => {
            let outcome = (|| {
                let (from, to) = (
                    from.parse::<VerificationStatus>()?,
                    to.parse::<VerificationStatus>()?,
                );
                Ok(veriscope::to_json(
                    &from.transition_to(to).map_err(Error::from)?,
                ))
            })();
            emit(outcome)
        }
        Command::Webhook { action } => webhook_command(action),
        Command::Remote { action } => remote_command(action),
        Command::Serve { config, listen } => {
            let outcome = (|| {
                let mut config = veriscope_server::ServerConfig::load_with_env(config.as_deref())?;
                if let Some(listen) = listen {
                    config.listen = listen;
                }
                veriscope_server::logging::init(config.log_format);
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(|error| Error::new(ErrorCode::Internal, error.to_string()))?;
                runtime.block_on(veriscope_server::serve(config))
            })();
            match outcome {
                Ok(()) => 0,
                Err(err) => emit(Err(err)),
            }
        }
        Command::HashKey => {
            let mut key = String::new();
            match std::io::stdin().read_to_string(&mut key) {
                Ok(_) if !key.trim().is_empty() => {
                    println!("{}", veriscope_server::hash_api_key(key.trim()));
                    0
                }
                _ => emit(Err(Error::new(
                    ErrorCode::InvalidArgument,
                    "give the API key on stdin",
                ))),
            }
        }
        Command::FaceMatch {
            id_card,
            selfie,
            models,
            details,
            match_threshold,
            high_threshold,
            no_rotations,
        } => {
            let outcome = (|| {
                let options = veriscope::face::FaceMatchOptions {
                    thresholds: veriscope::face::FaceMatchThresholds::new(
                        high_threshold,
                        match_threshold,
                    )?,
                    try_rotations: !no_rotations,
                    ..Default::default()
                };
                let (id_card, selfie) = (read_input(&id_card)?, read_input(&selfie)?);
                let models = match models {
                    Some(directory) => veriscope::face::FaceModels::load(directory)?,
                    None => veriscope::face::FaceModels::load_default()?,
                };
                models
                    .compare(&id_card, &selfie, &options)
                    .map(|comparison| {
                        (comparison.result.is_match_face, comparison.to_json(details))
                    })
            })();
            match outcome {
                Ok((matched, json)) => {
                    println!("{json}");
                    if matched { 0 } else { 5 }
                }
                Err(err) => emit(Err(err)),
            }
        }
        Command::Analyze {
            files,
            details,
            mrz_text,
            nik,
            birth_date,
            sex,
            province,
            today,
        } => analyze_command(AnalyzeRequest {
            files,
            details,
            mrz_text,
            nik,
            claims: (birth_date, sex, province),
            today,
        }),
        Command::Mrz { files, text, today } => {
            mrz_command(&files, text.as_deref(), today.as_deref())
        }
        Command::Nik {
            nik,
            birth_date,
            sex,
            province,
            today,
        } => emit_check(
            (|| {
                let claims = nik_claims(birth_date, sex, province)?;
                mrz::check_nik_text(&nik, &claims, mrz::reference_date(today.as_deref())?)
            })(),
            |report| report.valid,
        ),
        Command::Services => emit(Ok(veriscope::to_json(&veriscope::model::catalogue()))),
        Command::Errors => emit(Ok(veriscope::to_json(&veriscope::error_codes()))),
    }
}

fn main() -> ExitCode {
    ExitCode::from(run(Cli::parse()))
}
