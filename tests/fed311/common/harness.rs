//! A simulated city served on 127.0.0.1 and harvested into a real store from a jurisdiction
//! file holding the four required keys (plus a fast `rate_limit`: the city is this machine),
//! with the checks that the store holds exactly the city's data.

use std::time::Duration;

use fed311::domain::ServiceRequest;
use fed311::harvest::{CityReport, harvest_city};
use fed311::registry::{Jurisdiction, Registry};
use fed311::simulate::{Behaviour, SimCity, SimServer, spawn};
use fed311::store::Store;
use fed311::upstream::Client;

pub const ZONE: &str = "America/Toronto";

pub struct Harness {
    pub server: SimServer,
    pub behaviour: Behaviour,
    pub city: Jurisdiction,
    pub store: Store,
    pub client: Client,
    pub dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Harness {
    pub async fn new(seed: u64, records: usize, behaviour: Behaviour, extra: &str) -> Harness {
        let server = spawn(SimCity::generate(seed, records, ZONE), behaviour.clone()).await.unwrap();
        let jurisdictions = tempfile::tempdir().unwrap();
        let text = format!(
            "id = \"sim\"\nname = \"Simulated\"\nendpoint = \"http://{}/\"\ntimezone = \"{ZONE}\"\nrate_limit = \"1000/s\"\n{extra}\n",
            server.addr
        );
        std::fs::write(jurisdictions.path().join("sim.toml"), text).unwrap();
        let registry = Registry::load(jurisdictions.path()).unwrap();
        let city = registry.get("sim").unwrap().clone();
        let data = tempfile::tempdir().unwrap();
        let store = Store::open(data.path()).unwrap();
        let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(2)).unwrap();
        Harness { server, behaviour, city, store, client, dirs: (jurisdictions, data) }
    }

    pub async fn harvest(&self, full: bool) -> CityReport {
        let report = self.try_harvest(full).await;
        assert!(report.succeeded(), "harvest failed: {:?}", report.failure);
        report
    }

    /// One pass, whatever becomes of it.
    pub async fn try_harvest(&self, full: bool) -> CityReport {
        harvest_city(&self.client, &self.store, &self.city, full).await
    }

    /// Runs SQL on the store's file (to age its harvest state, say).
    pub fn sql(&self, statement: &str) {
        let conn = rusqlite::Connection::open(self.store.path().expect("a SQLite store")).unwrap();
        conn.execute_batch(statement).unwrap();
    }

    /// The store holds exactly the city's requests (those served with an id), field by field.
    pub fn assert_store_equals_city(&self) {
        let truth: Vec<ServiceRequest> = self
            .server
            .city
            .requests()
            .into_iter()
            .filter(|r| !self.behaviour.hides_id(&r.service_request_id))
            .collect();
        let held = self.store.count_requests("sim").unwrap();
        assert_eq!(held as usize, truth.len(), "record count");
        for expected in &truth {
            let stored = self.store.get_request("sim", &expected.service_request_id).unwrap();
            let stored = stored.unwrap_or_else(|| panic!("missing {}", expected.service_request_id)).request;
            assert_same(&stored, expected);
        }
    }
}

pub fn assert_same(got: &ServiceRequest, want: &ServiceRequest) {
    let id = &want.service_request_id;
    assert_eq!(got.status, want.status, "{id} status");
    assert_eq!(got.status_notes, want.status_notes, "{id} status_notes");
    assert_eq!(got.service_code, want.service_code, "{id} service_code");
    assert_eq!(got.service_name, want.service_name, "{id} service_name");
    assert_eq!(got.description, want.description, "{id} description");
    assert_eq!(got.requested_datetime, want.requested_datetime, "{id} requested");
    assert_eq!(got.updated_datetime, want.updated_datetime, "{id} updated");
    assert_eq!(got.address, want.address, "{id} address");
    assert_eq!(got.lat, want.lat, "{id} lat");
    assert_eq!(got.long, want.long, "{id} long");
}
