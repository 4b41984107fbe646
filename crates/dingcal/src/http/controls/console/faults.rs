//! The faults page: those set, one added as `POST /_dingcal/faults` adds
//! it (the same checks), and removed one at a time or all at once.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;

use super::{Console, Page, given, html_answer, layout, number, refusal, see_other, status_of};
use crate::error::{ApiError, ApiResult};
use crate::http::AppState;
use crate::http::controls::faults::{Fault, FaultRequest};
use crate::http::operations;

const FAULTS: &str = "/_dingcal/ui/faults";

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(FAULTS, get(faults_page).post(add_fault))
        .route("/_dingcal/ui/faults/remove", post(remove_faults))
}

/// The page, with the form as it was posted and what it was refused for,
/// if it was.
fn page(state: &AppState, posted: Option<(&FaultForm, ApiError)>) -> Response {
    let faults = state.controls.faults.list();
    // Every operation, to pick from.
    let actions: BTreeSet<&str> = operations::TABLE.iter().map(|op| op.action).collect();
    let form = posted.as_ref().map(|(f, _)| *f);
    let field = |pick: fn(&FaultForm) -> &Option<String>| form.and_then(|f| pick(f).clone());
    let status = posted
        .as_ref()
        .map_or(StatusCode::OK, |(_, e)| status_of(e));
    let body = html! {
        @if let Some((_, e)) = &posted { (refusal(e)) }
        table {
            thead { tr {
                th { "faultId" } th { "operation" } th { "status" } th { "code" } th { "message" }
                th { "count" } th { "probability" } th { "delayMs" } th { "" }
            } }
            tbody {
                @for f in &faults {
                    tr {
                        td { code { (f.fault_id) } }
                        td { (f.operation) }
                        td { (f.status) }
                        td { (f.code) }
                        td { (f.message) }
                        td { (f.count.map_or_else(|| "until removed".to_string(), |n| n.to_string())) }
                        td { (f.probability) }
                        td { (f.delay_ms) }
                        td {
                            form.inline method="post" action="/_dingcal/ui/faults/remove" {
                                input type="hidden" name="faultId" value=(f.fault_id);
                                button type="submit" { "Remove" }
                            }
                        }
                    }
                }
                @if faults.is_empty() { tr { td colspan="9" { "No faults: every call is answered." } } }
            }
        }
        @if !faults.is_empty() {
            form.inline method="post" action="/_dingcal/ui/faults/remove" {
                button type="submit" { "Remove all" }
            }
        }
        form.card.grid method="post" action=(FAULTS) {
            h2 { "Add a fault" }
            label { "operation " input name="operation" list="operations" required
                value=[field(|f| &f.operation)] placeholder="CreateEvent, or * for every one"; }
            datalist #operations {
                option value="*";
                @for action in &actions { option value=(action); }
            }
            label { "status " input type="number" name="status" value=[field(|f| &f.status)] placeholder="503"; }
            label { "code " input name="code" value=[field(|f| &f.code)] placeholder="systemError"; }
            label { "message " input name="message" value=[field(|f| &f.message)]
                placeholder="A fault dingcal was asked to make."; }
            label { "count " input type="number" name="count" min="1" value=[field(|f| &f.count)]
                placeholder="until removed"; }
            label { "probability " input type="number" name="probability" min="0" max="1" step="any"
                value=[field(|f| &f.probability)] placeholder="1"; }
            label { "delayMs " input type="number" name="delayMs" min="0" value=[field(|f| &f.delay_ms)]
                placeholder="0"; }
            p.note { "A matching call gets this error (after the delay) and changes nothing; status 200 with a delay only delays." }
            button type="submit" { "Add the fault" }
        }
    };
    html_answer(status, layout("Faults", body))
}

async fn faults_page(State(state): State<Arc<AppState>>, _: Console) -> Page {
    Ok(page(&state, None))
}

/// The add form, each field as typed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FaultForm {
    operation: Option<String>,
    status: Option<String>,
    code: Option<String>,
    message: Option<String>,
    count: Option<String>,
    probability: Option<String>,
    delay_ms: Option<String>,
}

impl FaultForm {
    /// The request `POST /_dingcal/faults` would have had.
    fn request(&self) -> ApiResult<FaultRequest> {
        Ok(FaultRequest {
            operation: given(self.operation.clone()),
            status: number("status", self.status.clone())?,
            code: given(self.code.clone()),
            message: given(self.message.clone()),
            count: number("count", self.count.clone())?,
            probability: number("probability", self.probability.clone())?,
            delay_ms: number("delayMs", self.delay_ms.clone())?,
        })
    }
}

async fn add_fault(
    State(state): State<Arc<AppState>>,
    _: Console,
    Form(form): Form<FaultForm>,
) -> Response {
    match form
        .request()
        .and_then(|r| Fault::new(r, operations::known))
    {
        Ok(fault) => {
            state.controls.faults.add(fault);
            see_other(FAULTS)
        }
        Err(e) => page(&state, Some((&form, e))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveForm {
    fault_id: Option<String>,
}

/// Removes the fault named, or all of them.
async fn remove_faults(
    State(state): State<Arc<AppState>>,
    _: Console,
    Form(form): Form<RemoveForm>,
) -> Response {
    // One already gone (its count spent) is no error here: the page shows
    // what is left.
    state
        .controls
        .faults
        .remove(given(form.fault_id).as_deref());
    see_other(FAULTS)
}
