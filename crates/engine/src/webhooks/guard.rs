//! The SSRF guard: a webhook URL is chosen by a tenant, so without it any tenant could make
//! the server POST to its own admin ports, the cloud metadata service or the office LAN.
//!
//! The check runs on the addresses a name resolves to, inside the HTTP client's resolver,
//! so the addresses checked are the ones connected to (a name that resolves to a public
//! address when the hook is saved and to `127.0.0.1` when it fires is still refused).
//! Hosts written as IP literals never reach a resolver, hence [`Guard::check_url`].

use super::reachability;
use crate::config::WebhookConfig;
use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use url::{Host, Url};

/// The one message every refusal shows, in a call's logs (which Viewers read) and in a
/// `422`: whether a name does not resolve, resolves to a private address, or the URL is
/// a private literal must not tell a tenant anything about the server's network. The
/// operator's log has the reason ([`GuardError::reason`]).
pub const REFUSED: &str =
    "refused: the destination must be a public http(s) address (docs/SECURITY.md)";

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("{REFUSED}")]
    Scheme(String),
    #[error("{REFUSED}")]
    NoHost,
    #[error("{REFUSED}")]
    PrivateAddress(IpAddr),
    #[error("{REFUSED}")]
    PrivateOnly(String),
    #[error("{REFUSED}")]
    Lookup {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("webhook allow list: `{0}` is not an IP network like 10.1.2.0/24")]
    BadNetwork(String),
}

impl GuardError {
    /// Why, for the operator's log only.
    pub fn reason(&self) -> String {
        match self {
            GuardError::Scheme(scheme) => format!("`{scheme}` is not http or https"),
            GuardError::NoHost => "the URL has no host".to_owned(),
            GuardError::PrivateAddress(ip) => format!("{ip} is not a public address"),
            GuardError::PrivateOnly(host) => format!("{host} resolves to no public address"),
            GuardError::Lookup { host, source } => format!("cannot resolve {host}: {source}"),
            GuardError::BadNetwork(entry) => format!("bad allow-list entry `{entry}`"),
        }
    }

    /// Logs the refusal for the operator, with its reason; tenants see [`REFUSED`].
    fn logged(self) -> GuardError {
        tracing::info!(reason = %self.reason(), "SSRF guard refused a destination");
        self
    }
}

/// Decides which destinations webhooks and tools may reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Guard(Arc<Policy>);

#[derive(Debug)]
struct Policy {
    allow_private: bool,
    /// Lowercase, without a trailing dot.
    hosts: Vec<String>,
    networks: Vec<IpNet>,
}

impl Guard {
    /// Parses the allow list: entries with a `/` or that parse as an IP address are
    /// networks, the rest host names.
    pub fn new(config: &WebhookConfig) -> Result<Guard, GuardError> {
        let mut hosts = Vec::new();
        let mut networks = Vec::new();
        for entry in &config.allow_list {
            let entry = entry.trim();
            if let Some(net) = parse_network(entry) {
                networks.push(net);
            } else if entry.contains('/') {
                return Err(GuardError::BadNetwork(entry.to_owned()));
            } else {
                hosts.push(normalize_host(entry));
            }
        }
        Ok(Guard(Arc::new(Policy {
            allow_private: config.allow_private,
            hosts,
            networks,
        })))
    }

    /// Refuses what the resolver will not see: schemes other than http(s) and IP literals
    /// that are not public (`http://127.0.0.1/`, `http://[::ffff:10.0.0.1]/`).
    pub fn check_url(&self, url: &Url) -> Result<(), GuardError> {
        self.check_literal(url).map_err(GuardError::logged)
    }

    fn check_literal(&self, url: &Url) -> Result<(), GuardError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(GuardError::Scheme(url.scheme().to_owned()));
        }
        let ip = match url.host().ok_or(GuardError::NoHost)? {
            Host::Domain(_) => return Ok(()),
            Host::Ipv4(ip) => IpAddr::V4(ip),
            Host::Ipv6(ip) => IpAddr::V6(ip),
        };
        if self.0.allow_private || self.0.allows_ip(ip) {
            Ok(())
        } else {
            Err(GuardError::PrivateAddress(ip))
        }
    }

    /// The whole check a destination gets when it is saved (a use case's hook, a prompt's
    /// tool): the URL as [`Guard::check_url`] does, then its name resolved now, which must
    /// give at least one address a request would be allowed to reach. Delivery checks the
    /// addresses again when it connects, since a name may resolve elsewhere later.
    pub async fn check_destination(&self, url: &Url) -> Result<(), GuardError> {
        self.check_url(url)?;
        let Some(Host::Domain(host)) = url.host() else {
            return Ok(());
        };
        if self.0.allows_host(host) {
            // Allowed whatever it resolves to, now or later: nothing to look up.
            return Ok(());
        }
        self.0
            .clone()
            .allowed_addresses(host.to_owned())
            .await
            .map(drop)
            .map_err(GuardError::logged)
    }
}

impl Policy {
    fn allows_host(&self, host: &str) -> bool {
        self.allow_private || self.hosts.contains(&normalize_host(host))
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        reachability::is_global(ip)
            || self
                .networks
                .iter()
                .any(|net| net.contains(&ip) || net.contains(&canonical))
    }

    /// The addresses `host` resolves to that may be reached; an error if none.
    async fn allowed_addresses(
        self: Arc<Self>,
        host: String,
    ) -> Result<Vec<SocketAddr>, GuardError> {
        let found = tokio::net::lookup_host((host.as_str(), 0))
            .await
            .map_err(|source| GuardError::Lookup {
                host: host.clone(),
                source,
            })?;
        let addrs: Vec<SocketAddr> = if self.allows_host(&host) {
            found.collect()
        } else {
            found.filter(|addr| self.allows_ip(addr.ip())).collect()
        };
        if addrs.is_empty() {
            return Err(GuardError::PrivateOnly(host));
        }
        Ok(addrs)
    }
}

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = policy
                .allowed_addresses(host)
                .await
                .map_err(GuardError::logged)?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// An IP network from the allow list, `10.1.2.0/24` or a single address (`[::1]` too).
fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim_start_matches('[').replace(']', "");
    let net = text
        .parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .ok()?;
    Some(net.trunc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn guard(allow_private: bool, allow_list: &[&str]) -> Guard {
        Guard::new(&WebhookConfig {
            allow_private,
            allow_list: allow_list.iter().map(|s| s.to_string()).collect(),
            ..WebhookConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn allow_list_networks_match_by_prefix() {
        let net = parse_network("10.1.2.0/24").unwrap();
        assert!(net.contains(&"10.1.2.200".parse::<IpAddr>().unwrap()));
        assert!(!net.contains(&"10.1.3.1".parse::<IpAddr>().unwrap()));
        let one = parse_network("10.1.2.3").unwrap();
        assert!(one.contains(&"10.1.2.3".parse::<IpAddr>().unwrap()));
        assert!(!one.contains(&"10.1.2.4".parse::<IpAddr>().unwrap()));
        assert!(parse_network("[::1]").is_some());
        let v6 = parse_network("fd00::/8").unwrap();
        assert!(v6.contains(&"fd12::1".parse::<IpAddr>().unwrap()));
        assert_eq!(parse_network("10.0.0.0/33"), None);
        assert_eq!(parse_network("hooks.internal"), None);
        assert!(
            Guard::new(&WebhookConfig {
                allow_list: vec!["10.0.0.0/x".into()],
                ..WebhookConfig::default()
            })
            .is_err()
        );
        let listed = guard(false, &["10.1.2.0/24"]);
        assert!(listed.0.allows_ip("::ffff:10.1.2.9".parse().unwrap()));
    }

    #[test]
    fn check_url_refuses_private_literals_and_other_schemes() {
        let strict = guard(false, &[]);
        let check = |g: &Guard, url: &str| g.check_url(&Url::parse(url).unwrap());
        assert!(check(&strict, "https://example.com/hook").is_ok());
        assert!(check(&strict, "http://8.8.8.8/hook").is_ok());
        for url in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://169.254.169.254/latest/meta-data",
            // The URL parser reads these as 127.0.0.1.
            "http://2130706433/",
            "http://0x7f.1/",
            // IPv4 inside IPv6: IPv4-compatible, NAT64, 6to4, Teredo.
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
            // Deprecated site local; IPv4 special-purpose blocks.
            "http://[fec0::1]/",
            "http://198.18.0.1/",
            "http://240.0.0.1/",
            "http://192.0.0.8/",
            "http://100.100.100.200/",
        ] {
            let err = check(&strict, url).unwrap_err();
            assert!(matches!(err, GuardError::PrivateAddress(_)), "{url}: {err}");
        }
        assert!(matches!(
            check(&strict, "ftp://example.com/"),
            Err(GuardError::Scheme(_))
        ));
        assert!(matches!(
            check(&strict, "file:///etc/passwd"),
            Err(GuardError::Scheme(_))
        ));

        assert!(check(&guard(true, &[]), "http://127.0.0.1/").is_ok());
        let listed = guard(false, &["10.1.2.0/24", "::1"]);
        assert!(check(&listed, "http://10.1.2.9/").is_ok());
        assert!(check(&listed, "http://[::1]/").is_ok());
        assert!(check(&listed, "http://10.1.3.9/").is_err());
    }

    async fn resolve(g: &Guard, host: &str) -> Result<Vec<SocketAddr>, String> {
        g.resolve(Name::from_str(host).unwrap())
            .await
            .map(|addrs| addrs.collect())
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn resolver_drops_private_addresses() {
        let err = resolve(&guard(false, &[]), "localhost").await.unwrap_err();
        assert_eq!(err, REFUSED);

        let addrs = resolve(&guard(true, &[]), "localhost").await.unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());

        let by_name = resolve(&guard(false, &["LOCALHOST."]), "localhost").await;
        assert!(!by_name.unwrap().is_empty());

        let by_net = resolve(&guard(false, &["127.0.0.0/8"]), "localhost")
            .await
            .unwrap();
        assert!(by_net.iter().all(|a| a.ip().is_ipv4()) && !by_net.is_empty());
    }

    #[tokio::test]
    async fn saved_destinations_are_resolved_and_every_refusal_reads_the_same() {
        let strict = guard(false, &[]);
        let check = |url: &str| {
            let url = Url::parse(url).unwrap();
            let strict = strict.clone();
            async move { strict.check_destination(&url).await }
        };
        let private = check("http://localhost:9/hook").await.unwrap_err();
        let unknown = check("http://no-such-host.invalid/hook").await.unwrap_err();
        let literal = check("http://10.0.0.1/hook").await.unwrap_err();
        assert!(matches!(private, GuardError::PrivateOnly(_)), "{private:?}");
        assert!(matches!(unknown, GuardError::Lookup { .. }), "{unknown:?}");
        for refusal in [&private, &unknown, &literal] {
            assert_eq!(refusal.to_string(), REFUSED);
        }
        assert!(check("http://93.184.216.34/hook").await.is_ok());
        let open = guard(true, &[]);
        for url in [
            "http://localhost:9/hook",
            "http://no-such-host.invalid/hook",
        ] {
            let url = Url::parse(url).unwrap();
            assert!(open.check_destination(&url).await.is_ok(), "{url}");
        }
        let listed = guard(false, &["no-such-host.invalid"]);
        let url = Url::parse("http://no-such-host.invalid/hook").unwrap();
        assert!(listed.check_destination(&url).await.is_ok());
    }
}
