//! Simulated cities harvested into a real store: what the search, research and feed worlds
//! are built on. Each city is a [`fed311::simulate`] server on 127.0.0.1 with a jurisdiction
//! file of its own; one harvest client with short waits brings them into a SQLite store in a
//! temporary folder, and fed311 serves them through its composition root.

use std::sync::Arc;
use std::time::Duration;

use fed311::harvest::harvest_city;
use fed311::registry::Registry;
use fed311::simulate::{Behaviour, SimCity, SimServer, spawn};
use fed311::store::Store;
use fed311::upstream::Client;

/// Simulated cities (id, time zone, seed), their files, and the store they are harvested into.
pub struct SimCities {
    /// The cities' servers, in the order given.
    pub servers: Vec<SimServer>,
    /// Their jurisdictions.
    pub registry: Arc<Registry>,
    /// The store they are harvested into.
    pub store: Store,
    /// The client harvests use (5 ms first retry wait).
    pub client: Client,
    /// The folder of jurisdiction files.
    pub jurisdictions: tempfile::TempDir,
    /// The folder of the store (and of the index, in `index/`).
    pub data: tempfile::TempDir,
    ids: Vec<String>,
}

impl SimCities {
    /// Starts `records` requests per city, one server and jurisdiction file each.
    pub async fn start(cities: &[(&str, &str, u64)], records: usize) -> SimCities {
        let (jurisdictions, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut servers = Vec::new();
        for (id, zone, seed) in cities {
            let server = spawn(SimCity::generate(*seed, records, zone), Behaviour::default()).await.unwrap();
            let file = format!(
                "id = \"{id}\"\nname = \"City {id}\"\nendpoint = \"{}\"\ntimezone = \"{zone}\"\nrate_limit = \"1000/s\"\n",
                server.url()
            );
            std::fs::write(jurisdictions.path().join(format!("{id}.toml")), file).unwrap();
            servers.push(server);
        }
        let registry = Arc::new(Registry::load(jurisdictions.path()).unwrap());
        let store = Store::open(data.path()).unwrap();
        let client = Client::with_settings(Duration::from_millis(5), Duration::from_secs(5)).unwrap();
        let ids = cities.iter().map(|(id, _, _)| id.to_string()).collect();
        SimCities { servers, registry, store, client, jurisdictions, data, ids }
    }

    /// One incremental pass over every city; each must succeed.
    pub async fn harvest(&self) {
        for city in self.registry.iter() {
            let report = harvest_city(&self.client, &self.store, city, false).await;
            assert!(report.succeeded(), "harvest of {} failed: {:?}", city.id, report.failure);
        }
    }

    /// The simulated city behind a jurisdiction.
    pub fn server(&self, id: &str) -> &SimServer {
        let i = self.ids.iter().position(|city| city == id).unwrap_or_else(|| panic!("no city {id}"));
        &self.servers[i]
    }
}
