//! Putting each harvested service and request into the canonical taxonomy: services through
//! the crosswalk (the jurisdiction file's overrides first, then the multilingual rules), and
//! requests through their service's category, or their own texts when the code is unknown.
//! It also knows each service's name, for requests sent without one.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::{Service, ServiceRequest};
use crate::registry::Jurisdiction;
use crate::taxonomy::{self, UNMAPPED};

/// A city's service code → category, built once per pass.
#[derive(Debug, Clone, Default)]
pub struct Categorizer {
    by_code: Arc<HashMap<String, &'static str>>,
    names: Arc<HashMap<String, String>>,
}

impl Categorizer {
    /// Classifies a city's services; returns the categorizer and the crosswalk rows to store
    /// (code, category, how as JSON).
    pub fn from_services(city: &Jurisdiction, services: &[Service]) -> (Categorizer, Vec<(String, String, String)>) {
        let overrides = city.config.categories.as_ref();
        let mut by_code = HashMap::with_capacity(services.len());
        let mut names = HashMap::with_capacity(services.len());
        let mut rows = Vec::with_capacity(services.len());
        for service in services {
            names.insert(service.service_code.clone(), service.service_name.clone());
            let decision = taxonomy::classify_service(overrides, service);
            by_code.insert(service.service_code.clone(), decision.category);
            let how = serde_json::to_string(&decision.how).unwrap_or_default();
            rows.push((service.service_code.clone(), decision.category.to_string(), how));
        }
        (Categorizer { by_code: Arc::new(by_code), names: Arc::new(names) }, rows)
    }

    /// Gives requests sent without a `service_name` their service's name, when the code is
    /// in the city's list.
    pub fn fill_names(&self, requests: &mut [ServiceRequest]) {
        for request in requests.iter_mut().filter(|r| r.service_name.is_none()) {
            let name = request.service_code.as_deref().and_then(|code| self.names.get(code));
            request.service_name = name.filter(|n| !n.is_empty()).cloned();
        }
    }

    /// The category of one request.
    pub fn category(&self, request: &ServiceRequest) -> &'static str {
        if let Some(category) = request.service_code.as_deref().and_then(|code| self.by_code.get(code)) {
            return category;
        }
        match request.service_name.as_deref() {
            Some(name) => taxonomy::classify(name, request.description.as_deref(), None, None).category,
            None => UNMAPPED,
        }
    }

    /// Categories for a batch, in order.
    pub fn categories(&self, requests: &[ServiceRequest]) -> Vec<Option<String>> {
        requests.iter().map(|r| Some(self.category(r).to_string())).collect()
    }
}
