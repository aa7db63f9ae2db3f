//! Which IP addresses are on the public internet, after IANA's IPv4 and IPv6 Special-Purpose
//! Address Registries (the entries whose "Globally Reachable" is not `True`), the IPv6
//! address space (only `2000::/3` is global unicast) and multicast.
//!
//! IPv4 carried inside IPv6 is judged as IPv4 where a host would reach that IPv4 address
//! (IPv4-mapped `::ffff:0:0/96`, NAT64's well-known `64:ff9b::/96`); the other embeddings
//! (IPv4-compatible `::/96`, 6to4 `2002::/16`, Teredo `2001::/32`, local NAT64
//! `64:ff9b:1::/48`) are tunnels to wherever the embedded address says, and are refused
//! whole.

use ipnet::{Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)
}

#[allow(clippy::too_many_arguments)]
const fn v6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, g: u16, h: u16, prefix: u8) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), prefix)
}

/// IPv4 blocks that are not globally reachable.
const V4_NOT_GLOBAL: [Ipv4Net; 15] = [
    v4(0, 0, 0, 0, 8),       // "this network" (Linux connects 0.x to the host itself)
    v4(10, 0, 0, 0, 8),      // private use
    v4(100, 64, 0, 0, 10),   // shared address space (carrier-grade NAT)
    v4(127, 0, 0, 0, 8),     // loopback
    v4(169, 254, 0, 0, 16),  // link local (cloud metadata services)
    v4(172, 16, 0, 0, 12),   // private use
    v4(192, 0, 0, 0, 24),    // IETF protocol assignments (but see V4_GLOBAL_EXCEPTIONS)
    v4(192, 0, 2, 0, 24),    // documentation (TEST-NET-1)
    v4(192, 88, 99, 0, 24),  // deprecated 6to4 relay anycast
    v4(192, 168, 0, 0, 16),  // private use
    v4(198, 18, 0, 0, 15),   // benchmarking
    v4(198, 51, 100, 0, 24), // documentation (TEST-NET-2)
    v4(203, 0, 113, 0, 24),  // documentation (TEST-NET-3)
    v4(224, 0, 0, 0, 4),     // multicast
    v4(240, 0, 0, 0, 4),     // reserved (class E) and the limited broadcast address
];

/// Blocks inside a refused IPv4 block that the registry marks globally reachable.
const V4_GLOBAL_EXCEPTIONS: [Ipv4Net; 2] = [
    v4(192, 0, 0, 9, 32),  // Port Control Protocol anycast
    v4(192, 0, 0, 10, 32), // Traversal Using Relays around NAT anycast
];

/// The global unicast space; every IPv6 address outside it is refused (loopback,
/// unspecified, unique local `fc00::/7`, link local `fe80::/10`, the deprecated site local
/// `fec0::/10`, multicast, discard-only `100::/64`, IPv4-compatible `::/96`, ...).
const V6_GLOBAL_UNICAST: Ipv6Net = v6(0x2000, 0, 0, 0, 0, 0, 0, 0, 3);

/// Blocks inside `2000::/3` that are not globally reachable.
const V6_NOT_GLOBAL: [Ipv6Net; 4] = [
    v6(0x2001, 0, 0, 0, 0, 0, 0, 0, 23), // IETF protocol assignments, Teredo, benchmarking, ORCHID
    v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0, 32), // documentation
    v6(0x2002, 0, 0, 0, 0, 0, 0, 0, 16), // 6to4
    v6(0x3fff, 0, 0, 0, 0, 0, 0, 0, 20), // documentation
];

/// Blocks inside `2001::/23` that the registry marks globally reachable.
const V6_GLOBAL_EXCEPTIONS: [Ipv6Net; 7] = [
    v6(0x2001, 0x1, 0, 0, 0, 0, 0, 0x1, 128), // Port Control Protocol anycast
    v6(0x2001, 0x1, 0, 0, 0, 0, 0, 0x2, 128), // TURN anycast
    v6(0x2001, 0x1, 0, 0, 0, 0, 0, 0x3, 128), // DNS-SD service registration anycast
    v6(0x2001, 0x3, 0, 0, 0, 0, 0, 0, 32),    // AMT
    v6(0x2001, 0x4, 0x112, 0, 0, 0, 0, 0, 48), // AS112-v6
    v6(0x2001, 0x20, 0, 0, 0, 0, 0, 0, 28),   // ORCHIDv2
    v6(0x2001, 0x30, 0, 0, 0, 0, 0, 0, 28),   // drone remote ID
];

/// NAT64's well-known prefix: the last 32 bits are the IPv4 address reached.
const V6_NAT64: Ipv6Net = v6(0x64, 0xff9b, 0, 0, 0, 0, 0, 0, 96);

/// Whether a connection to `ip` would reach the public internet.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_global_v4(ip),
        IpAddr::V6(ip) => match reached_ipv4(ip) {
            Some(embedded) => is_global_v4(embedded),
            None => is_global_v6(ip),
        },
    }
}

/// The IPv4 address an IPv6 address reaches, where a host or a NAT64 gateway treats it so.
pub fn reached_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(mapped) = ip.to_ipv4_mapped() {
        return Some(mapped);
    }
    V6_NAT64.contains(&ip).then(|| {
        let [.., a, b, c, d] = ip.octets();
        Ipv4Addr::new(a, b, c, d)
    })
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    V4_GLOBAL_EXCEPTIONS.iter().any(|net| net.contains(&ip))
        || !V4_NOT_GLOBAL.iter().any(|net| net.contains(&ip))
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    V6_GLOBAL_UNICAST.contains(&ip)
        && (V6_GLOBAL_EXCEPTIONS.iter().any(|net| net.contains(&ip))
            || !V6_NOT_GLOBAL.iter().any(|net| net.contains(&ip)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(ip: &str) -> bool {
        is_global(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_special_purpose_blocks_are_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.0.170",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "250.1.2.3",
            "255.255.255.255",
        ] {
            assert!(!global(ip), "{ip} must be refused");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "192.0.0.9",
            "192.0.0.10",
            "198.20.0.1",
            "223.255.255.255",
        ] {
            assert!(global(ip), "{ip} is public");
        }
    }

    #[test]
    fn ipv6_outside_global_unicast_and_special_blocks_are_refused() {
        for ip in [
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "feff::1",
            "ff02::1",
            "100::1",
            "64:ff9b:1::a00:1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:10::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:808:808::1",
            "3fff::1",
            "5f00::1",
        ] {
            assert!(!global(ip), "{ip} must be refused");
        }
        for ip in [
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2001:1::1",
            "2001:3::1",
            "2001:20::1",
            "2a00:1450::1",
        ] {
            assert!(global(ip), "{ip} is public");
        }
    }

    #[test]
    fn embedded_ipv4_is_judged_as_ipv4_or_refused() {
        for ip in [
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            // IPv4-compatible, deprecated: refused whatever it embeds.
            "::127.0.0.1",
            "::8.8.8.8",
            "::169.254.169.254",
        ] {
            assert!(!global(ip), "{ip} must be refused");
        }
        assert!(global("::ffff:8.8.8.8"));
        assert!(global("64:ff9b::8.8.8.8"));
        assert_eq!(
            reached_ipv4("64:ff9b::c0a8:101".parse().unwrap()),
            Some(Ipv4Addr::new(192, 168, 1, 1))
        );
    }
}
