//! The SSRF guard: a webhook URL is chosen by a tenant, so without it any tenant could make
//! the server POST to its own admin ports, the cloud metadata service or the office LAN.
//!
//! The check runs on the addresses a name resolves to, inside the HTTP client's resolver,
//! so the addresses checked are the ones connected to (a name that resolves to a public
//! address when the hook is saved and to `127.0.0.1` when it fires is still refused).
//! Hosts written as IP literals never reach a resolver, hence [`Guard::check_url`].

use crate::config::WebhookConfig;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use url::{Host, Url};

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("refused: `{0}` URLs are not delivered, only http and https")]
    Scheme(String),
    #[error("refused: the URL has no host")]
    NoHost,
    #[error("refused: {0} is a private address")]
    PrivateAddress(IpAddr),
    #[error("refused: {0} resolves only to private addresses")]
    PrivateOnly(String),
    #[error("cannot resolve {host}")]
    Lookup {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("webhook allow list: `{0}` is not an IP network like 10.1.2.0/24")]
    BadNetwork(String),
}

/// Decides which destinations webhooks may reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Guard(Arc<Policy>);

#[derive(Debug)]
struct Policy {
    allow_private: bool,
    /// Lowercase, without a trailing dot.
    hosts: Vec<String>,
    networks: Vec<Network>,
}

impl Guard {
    /// Parses the allow list: entries with a `/` or that parse as an IP address are
    /// networks, the rest host names.
    pub fn new(config: &WebhookConfig) -> Result<Guard, GuardError> {
        let mut hosts = Vec::new();
        let mut networks = Vec::new();
        for entry in &config.allow_list {
            let entry = entry.trim();
            if let Some(net) = Network::parse(entry) {
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

    /// Refuses what the resolver will not see: schemes other than http(s) and private IP
    /// literals (`http://127.0.0.1/`, `http://[::ffff:10.0.0.1]/`).
    pub fn check_url(&self, url: &Url) -> Result<(), GuardError> {
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
}

impl Policy {
    fn allows_host(&self, host: &str) -> bool {
        self.allow_private || self.hosts.contains(&normalize_host(host))
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        !is_private(ip) || self.networks.iter().any(|net| net.contains(ip))
    }
}

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|source| GuardError::Lookup {
                    host: host.clone(),
                    source,
                })?;
            let addrs: Vec<SocketAddr> = if policy.allows_host(&host) {
                found.collect()
            } else {
                found.filter(|addr| policy.allows_ip(addr.ip())).collect()
            };
            if addrs.is_empty() {
                return Err(GuardError::PrivateOnly(host).into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Addresses a webhook must not reach unless allowed. Expects a canonical address (an
/// IPv4-mapped IPv6 address already turned into IPv4).
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_multicast()
                || ip.is_broadcast()
                // 0.0.0.0/8 rather than only 0.0.0.0: Linux connects 0.x to the host itself.
                || a == 0
                // Carrier-grade NAT, 100.64.0.0/10: the provider's internal network.
                || (a == 100 && (b & 0xc0) == 64)
        }
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                // Unique local, fc00::/7.
                || (first & 0xfe00) == 0xfc00
                // Link-local, fe80::/10.
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// An IP network from the allow list, `10.1.2.0/24` or a single address.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Network {
    addr: IpAddr,
    prefix: u32,
}

impl Network {
    fn parse(text: &str) -> Option<Network> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u32>().ok()?)),
            None => (text, None),
        };
        let addr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok()?
            .to_canonical();
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Network { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(u32::from(net).into(), u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(u128::from(net), u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the top `prefix` of `bits` bits of `a` and `b` agree.
fn same_prefix(a: u128, b: u128, bits: u32, prefix: u32) -> bool {
    // A /0 network shifts by the full width, which `checked_shr` refuses: it matches all.
    let host_bits = bits - prefix;
    (a ^ b).checked_shr(host_bits).unwrap_or(0) == 0
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

    fn private(ip: &str) -> bool {
        is_private(ip.parse::<IpAddr>().unwrap().to_canonical())
    }

    #[test]
    fn private_ranges() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
        ] {
            assert!(private(ip), "{ip} should be private");
        }
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!private(ip), "{ip} should be public");
        }
    }

    #[test]
    fn networks_match_by_prefix() {
        let net = Network::parse("10.1.2.0/24").unwrap();
        assert!(net.contains("10.1.2.200".parse().unwrap()));
        assert!(!net.contains("10.1.3.1".parse().unwrap()));
        assert!(!net.contains("::ffff:10.1.2.1".parse().unwrap()));
        let one = Network::parse("10.1.2.3").unwrap();
        assert!(one.contains("10.1.2.3".parse().unwrap()));
        assert!(!one.contains("10.1.2.4".parse().unwrap()));
        let all = Network::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("192.168.0.1".parse().unwrap()));
        let v6 = Network::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        assert_eq!(Network::parse("10.0.0.0/33"), None);
        assert_eq!(Network::parse("hooks.internal"), None);
        assert!(
            Guard::new(&WebhookConfig {
                allow_list: vec!["10.0.0.0/x".into()],
                ..WebhookConfig::default()
            })
            .is_err()
        );
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
        assert_eq!(err, "refused: localhost resolves only to private addresses");

        let addrs = resolve(&guard(true, &[]), "localhost").await.unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());

        let by_name = resolve(&guard(false, &["LOCALHOST."]), "localhost").await;
        assert!(!by_name.unwrap().is_empty());

        let by_net = resolve(&guard(false, &["127.0.0.0/8"]), "localhost")
            .await
            .unwrap();
        assert!(by_net.iter().all(|a| a.ip().is_ipv4()) && !by_net.is_empty());
    }
}
