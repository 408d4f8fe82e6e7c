//! Answers to a submission: the POST answer (`service_request_id` or `token`, plus
//! `service_notice` and `account_id`) and the `tokens/{token}` answer. Both use the request
//! list's shape; entries with neither an id nor a token carry nothing and are dropped.

use serde::Deserialize;

use super::body::Body;
use super::lenient::Text;
use super::requests::REQUESTS;
use super::{Rejected, WireError};
use crate::domain::PostReceipt;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReceiptRecord<'a> {
    #[serde(borrow)]
    service_request_id: Text<'a>,
    #[serde(borrow)]
    token: Text<'a>,
    #[serde(borrow)]
    service_notice: Text<'a>,
    #[serde(borrow)]
    account_id: Text<'a>,
}

/// Reads the receipts of a POST or token answer.
pub(super) fn parse_list(body: &Body<'_>) -> Result<Vec<PostReceipt>, WireError> {
    let parsed = body.parse_list(&REQUESTS, |record: ReceiptRecord, _| record.into_receipt())?;
    for why in &parsed.skipped {
        tracing::debug!("post receipt {why}");
    }
    Ok(parsed.items)
}

impl ReceiptRecord<'_> {
    fn into_receipt(self) -> Result<PostReceipt, Rejected> {
        let receipt = PostReceipt {
            service_request_id: self.service_request_id.owned(),
            token: self.token.owned(),
            service_notice: self.service_notice.owned(),
            account_id: self.account_id.owned(),
        };
        if receipt.service_request_id.is_none() && receipt.token.is_none() {
            return Err(Rejected::no_key("has neither service_request_id nor token"));
        }
        Ok(receipt)
    }
}
