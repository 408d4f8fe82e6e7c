//! The geo layer: which jurisdiction covers a point. It owns every jurisdiction's area —
//! read from its GeoJSON `boundary` file where it has one, else derived from its harvested
//! request locations (approximate) — and an R-tree over them, so `locate` is a tree lookup
//! plus an exact point-in-polygon test. The API answers `/api/v1/locate` with it and routes
//! submissions by location with it. Derived areas follow the store: [`run_refresher`]
//! recomputes them in `serve`, swapping in a new snapshot while readers keep the old one.

mod boundary;
mod derive;
mod layer;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::watch;

pub use boundary::{Boundary, ShapeError, check_shape, polygons_of};
use layer::Layer;

use crate::registry::Registry;
use crate::store::{Store, StoreError};

/// Why boundaries could not be loaded or derived.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// A boundary file could not be read.
    #[error("cannot read boundary file {}: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A boundary file is not a usable Polygon or MultiPolygon GeoJSON.
    #[error("boundary file {}: {message}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The store could not give request locations.
    #[error("reading request locations: {0}")]
    Store(#[from] StoreError),
}

/// Every jurisdiction's area, shared: clones are cheap and see the same refreshes.
#[derive(Clone, Default)]
pub struct GeoLayer {
    inner: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Jurisdictions without a boundary file, whose areas are derived.
    derived_ids: Vec<String>,
    /// The current snapshot.
    current: RwLock<Arc<Layer>>,
}

impl GeoLayer {
    /// Reads every jurisdiction's boundary file (see [`crate::registry::Jurisdiction::boundary_path`]).
    /// Jurisdictions without one get derived areas at [`GeoLayer::refresh_derived`].
    pub fn load(registry: &Registry) -> Result<GeoLayer, GeoError> {
        let mut exact = Vec::new();
        let mut derived_ids = Vec::new();
        for j in registry.iter() {
            match (j.boundary_path(), j.config.boundary.as_ref()) {
                (Some(path), Some(shown)) => {
                    exact.push(Arc::new(boundary::read_file(&j.id, &path, &shown.display().to_string())?));
                }
                _ => derived_ids.push(j.id.clone()),
            }
        }
        let current = RwLock::new(Arc::new(Layer::new(exact)));
        Ok(GeoLayer { inner: Arc::new(Shared { derived_ids, current }) })
    }

    /// Ids of the jurisdictions whose area holds the point (edges included): those with a
    /// boundary file first, then approximate ones, each by id. Empty when none does.
    pub fn locate(&self, lat: f64, long: f64) -> Vec<String> {
        self.locate_boundaries(lat, long).iter().map(|b| b.id.clone()).collect()
    }

    /// The areas holding the point, in the order of [`GeoLayer::locate`].
    pub fn locate_boundaries(&self, lat: f64, long: f64) -> Vec<Arc<Boundary>> {
        self.snapshot().locate(long, lat)
    }

    /// One jurisdiction's area, when it has one (a file, or enough harvested locations).
    pub fn boundary(&self, id: &str) -> Option<Arc<Boundary>> {
        self.snapshot().get(id)
    }

    /// Recomputes the derived areas from the store (at most [`derive::SAMPLE`] locations per
    /// jurisdiction) and swaps them in. Blocking: call it off the async runtime. Returns how
    /// many jurisdictions now have a derived area.
    pub fn refresh_derived(&self, store: &Store) -> Result<usize, GeoError> {
        let mut derived = Vec::new();
        for id in &self.inner.derived_ids {
            let points = store.points(id, derive::SAMPLE)?;
            derived.extend(derive::hull(id, &points).map(Arc::new));
        }
        let count = derived.len();
        let mut all = self.snapshot().exact();
        all.extend(derived);
        let fresh = Arc::new(Layer::new(all));
        *self.inner.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
        Ok(count)
    }

    fn snapshot(&self) -> Arc<Layer> {
        self.inner.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

/// Keeps derived areas current in `serve`: computes them at once, then again whenever the
/// store has changed (looked at every `every`), until `stopped` turns true.
pub async fn run_refresher(layer: GeoLayer, store: Store, every: Duration, mut stopped: watch::Receiver<bool>) {
    let mut seen: Option<i64> = None;
    while !*stopped.borrow() {
        let (l, s) = (layer.clone(), store.clone());
        let pass = tokio::task::spawn_blocking(move || refresh_if_changed(&l, &s, seen)).await;
        match pass {
            Ok(Ok(seq)) => seen = Some(seq),
            Ok(Err(e)) => tracing::warn!(error = %e, "Deriving coverage areas failed"),
            Err(e) => tracing::warn!(error = %e, "Deriving coverage areas stopped"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

/// Refreshes unless the store's newest `seq` is still `seen`; returns the `seq` it saw.
fn refresh_if_changed(layer: &GeoLayer, store: &Store, seen: Option<i64>) -> Result<i64, GeoError> {
    let seq = store.max_seq()?;
    if seen != Some(seq) {
        let derived = layer.refresh_derived(store)?;
        tracing::info!(derived, seq, "Coverage areas derived from harvested locations");
    }
    Ok(seq)
}
