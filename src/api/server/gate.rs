//! Who may hold a connection: at most `max_connections` in all (kept below the process's
//! file limit, so `accept` never fails for want of a descriptor and `/healthz` keeps
//! answering) and at most `per_address` from one peer address, so one client cannot hoard
//! the budget. Trusted proxies, which carry many clients' calls, are held only to the total.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use ipnet::IpNet;

/// Counts the connections held, in all and by peer address.
#[derive(Debug)]
pub struct Gate {
    max_connections: usize,
    per_address: usize,
    exempt: Vec<IpNet>,
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server holds `max_connections` already.
    Full,
    /// This address holds `per_address` already.
    AddressFull,
}

/// A held connection; dropping it gives its place back.
#[derive(Debug)]
pub struct Permit {
    gate: Arc<Gate>,
    address: IpAddr,
}

impl Gate {
    /// A gate for `max_connections` in all and `per_address` per peer, peers in `exempt`
    /// (trusted proxies) counted only in the total.
    pub fn new(max_connections: usize, per_address: usize, exempt: Vec<IpNet>) -> Arc<Gate> {
        let (max_connections, per_address) = (max_connections.max(1), per_address.max(1));
        Arc::new(Gate { max_connections, per_address, exempt, held: Mutex::default() })
    }

    /// A place for a connection from `address`, or why there is none.
    pub fn admit(self: &Arc<Gate>, address: IpAddr) -> Result<Permit, Refusal> {
        let address = address.to_canonical();
        let exempt = self.exempt.iter().any(|net| net.contains(&address));
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.total >= self.max_connections {
            return Err(Refusal::Full);
        }
        let mine = held.by_address.entry(address).or_default();
        if *mine >= self.per_address && !exempt {
            return Err(Refusal::AddressFull);
        }
        *mine += 1;
        held.total += 1;
        Ok(Permit { gate: self.clone(), address })
    }

    /// Connections held now.
    pub fn held(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut held = self.gate.held.lock().unwrap_or_else(|p| p.into_inner());
        held.total = held.total.saturating_sub(1);
        if let Some(n) = held.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                held.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_each_address_and_the_total_and_gives_places_back() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let gate = Gate::new(5, 2, vec!["10.0.0.0/8".parse().unwrap()]);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.2".parse().unwrap(), "::ffff:127.0.0.3".parse().unwrap());
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).unwrap_err(), Refusal::AddressFull);
        drop(first);
        let _again = gate.admit(a).unwrap();
        let _b = gate.admit(b).unwrap();
        let _p1 = gate.admit(proxy).unwrap();
        let _p2 = gate.admit(proxy).unwrap();
        assert_eq!(gate.admit(proxy).unwrap_err(), Refusal::Full, "a proxy is held to the total only");
        assert_eq!(gate.held(), 5);
    }
}
