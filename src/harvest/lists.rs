//! One `requests` list call of a pass: read through the endpoint (see `fetch`), its attempts
//! counted among the pass's list calls, its size and its records learned from, the records
//! the city sent unusable noted.

use super::city::CityPass;
use super::error::CityError;
use super::fetch::{On404, fetch_read};
use crate::domain::ServiceRequest;
use crate::upstream::{Param, Resource};
use crate::wire::read;

/// Most records one answer may hold: past it the window is narrowed. With the body limit
/// (64 MiB), what bounds a pass's memory per answer.
pub(super) const MAX_ANSWER_RECORDS: usize = 100_000;

/// One `requests` answer: the usable records, and how many the city sent (skipped included).
#[derive(Debug, Default)]
pub(super) struct ListAnswer {
    /// The records read.
    pub records: Vec<ServiceRequest>,
    /// Records in the answer, skipped ones included.
    pub size: usize,
}

impl CityPass<'_> {
    /// One `requests` call. An unreadable success is read again (see `fetch`).
    pub(super) async fn fetch_requests(&mut self, params: &[Param]) -> Result<ListAnswer, CityError> {
        let before = self.endpoint.tally().attempts();
        let answer = self.read_requests(params).await;
        self.report.list_calls += self.endpoint.tally().attempts() - before;
        let answer = answer?;
        self.profile.saw_answer(answer.size);
        if !answer.records.is_empty() {
            self.profile.answers_lists = true;
        }
        Ok(answer)
    }

    async fn read_requests(&mut self, params: &[Param]) -> Result<ListAnswer, CityError> {
        let zone = self.city.timezone.clone();
        let parse = |body: &[u8]| read::parse_requests_at_most(body, &zone, MAX_ANSWER_RECORDS);
        let read = fetch_read(&mut self.endpoint, &mut self.profile, Resource::Requests, params, On404::Empty, parse);
        let Some(parsed) = read.await? else {
            return Ok(ListAnswer::default());
        };
        self.note_skipped(&parsed.skipped);
        let size = parsed.items.len() + parsed.skipped.len();
        Ok(ListAnswer { records: parsed.items, size })
    }
}
