//! The `switchyard` command line: `serve`, `migrate`, `org create`, `key create|revoke`,
//! `sim inbound`.
//! Output meant for people goes to stdout; logs go to stderr, so `--json` output stays clean.

mod engine_setup;
pub mod seed;
mod serve;
mod storage;
mod telephony;

use crate::config::{EngineArgs, ExportArgs, HttpConfig, SandboxArgs, StorageConfig};
use crate::logging;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::sync::Arc;
use switchyard_core::OrgId;
use switchyard_core::enums::Role;
use switchyard_core::time::{Clock, SystemClock};
use switchyard_service::{orgs, sim};

#[derive(Parser)]
#[command(
    name = "switchyard",
    version,
    about = "A self-hosted call-operations server speaking the HappyRobot API v1"
)]
struct Cli {
    #[command(flatten)]
    storage: StorageConfig,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API.
    Serve {
        #[command(flatten)]
        http: HttpConfig,
        // Boxed: the engine's many settings would make every other command as large.
        #[command(flatten)]
        engine: Box<EngineArgs>,
        #[command(flatten)]
        exports: ExportArgs,
        #[command(flatten)]
        sandbox: SandboxArgs,
        /// Create (once) a demo organization with calls, and print an API key for it.
        #[arg(long, env = "SWITCHYARD_DEMO")]
        demo: bool,
    },
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Fill an organization with realistic calls (benchmarks, demos).
    Seed {
        /// The organization's id.
        #[arg(long)]
        org: OrgId,
        /// How many calls.
        #[arg(long)]
        calls: u64,
    },
    /// Drive the simulated telephone network.
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
}

#[derive(Subcommand)]
enum SimCommand {
    /// Place a simulated inbound call to one of the organization's numbers.
    Inbound {
        /// The number called (E.164, one of an organization's numbers).
        #[arg(long)]
        to: String,
        /// The caller's number (E.164).
        #[arg(long)]
        from: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organization and print an Owner API key for it.
    Create {
        #[arg(long)]
        name: String,
        /// Email of the first Owner.
        #[arg(long)]
        owner: String,
        /// Print `{"organization_id": ..., "api_key": ...}` only.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Issue a key for a member (the member is added, or its role changed).
    Create {
        #[arg(long)]
        org: OrgId,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Print `{"api_key": ...}` only.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by its prefix (`sy_` and ten characters, as `GET /org` shows it).
    Revoke { key_prefix: String },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    raw.parse()
        .map_err(|e: switchyard_core::enums::UnknownVariant| e.to_string())
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_lines = logging::init();
    let result = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => Err(anyhow::anyhow!("cannot start the async runtime: {error}")),
    };
    // Every log line is out before the final word.
    drop(log_lines);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let opened = match &cli.command {
        Command::Seed { .. } => storage::open_for_bulk_load(&cli.storage).await,
        Command::Serve { sandbox, .. } if sandbox.sandbox => {
            storage::open_for_sandbox(&cli.storage).await
        }
        _ => storage::open(&cli.storage).await,
    };
    let store = opened.with_context(|| {
        format!(
            "cannot open the database ({})",
            storage::describe(&cli.storage)
        )
    })?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Migrate => {
            println!(
                "database is up to date ({})",
                storage::describe(&cli.storage)
            );
        }
        Command::Serve {
            http,
            engine,
            exports,
            sandbox,
            demo,
        } => {
            let args = serve::ServeArgs {
                http,
                engine: *engine,
                exports,
                sandbox,
                demo,
            };
            serve::run(&cli.storage, store, clock, args).await?;
        }
        Command::Seed { org, calls } => {
            let bar = indicatif::ProgressBar::new(calls).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} calls, {per_sec}, {eta} left",
                )?,
            );
            let started = std::time::Instant::now();
            seed::seed(store.as_ref(), org, calls, clock.now(), |done| {
                bar.set_position(done)
            })
            .await?;
            bar.finish_and_clear();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{calls} calls seeded in {secs:.1} s ({:.0} calls per second)",
                calls as f64 / secs
            );
        }
        Command::Sim {
            command: SimCommand::Inbound { to, from },
        } => {
            let call = sim::create_inbound_call(store.as_ref(), &to, &from, clock.now()).await?;
            println!(
                "inbound call {} from {from} to {to} created; a running server answers it",
                call.id
            );
        }
        Command::Org {
            command: OrgCommand::Create { name, owner, json },
        } => {
            let (org, key) =
                orgs::create_organization(store.as_ref(), &name, &owner, clock.now()).await?;
            if json {
                let created = orgs::CreatedOrganization {
                    organization_id: org.id,
                    api_key: key.secret,
                };
                println!("{}", serde_json::to_string(&created)?);
            } else {
                println!("organization {} created ({})", org.id, org.name);
                println!(
                    "Owner API key for {owner} (shown once, store it now):\n{}",
                    key.secret
                );
            }
        }
        Command::Key {
            command:
                KeyCommand::Create {
                    org,
                    email,
                    role,
                    json,
                },
        } => {
            let key = orgs::create_key(store.as_ref(), org, &email, role, clock.now()).await?;
            if json {
                println!("{}", serde_json::json!({"api_key": key.secret}));
            } else {
                println!(
                    "{role} API key for {email} (shown once, store it now):\n{}",
                    key.secret
                );
            }
        }
        Command::Key {
            command: KeyCommand::Revoke { key_prefix },
        } => {
            if store.revoke_api_key(&key_prefix, clock.now()).await? {
                println!(
                    "revoked {key_prefix} (a running server trusts a key it checked for up to \
                     its --key-cache-ms, 1 s by default)"
                );
            } else {
                anyhow::bail!("no active key has the prefix {key_prefix}");
            }
        }
    }
    Ok(())
}
