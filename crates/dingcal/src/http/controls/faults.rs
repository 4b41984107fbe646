//! Faults a test asks for: requests of an operation (or of every one)
//! answered with an error, after a delay, and not carried out.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::random_token;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultRequest {
    pub operation: Option<String>,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub count: Option<u64>,
    pub probability: Option<f64>,
    pub delay_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub fault_id: String,
    pub operation: String,
    pub status: u16,
    pub code: String,
    pub message: String,
    /// How many requests it still meets; `None` until removed.
    pub count: Option<u64>,
    pub probability: f64,
    pub delay_ms: u64,
}

/// What a request meets: a delay, then an error answer unless the fault's
/// status is 200.
#[derive(Debug, Clone)]
pub struct Hit {
    pub delay: Duration,
    pub error: Option<(u16, String, String)>,
}

#[derive(Default)]
pub struct Faults {
    list: Mutex<Vec<Fault>>,
    /// Whether any fault is set: the check every request makes.
    any: AtomicBool,
}

impl Fault {
    /// A fault from a request, checked; `known` says whether an operation
    /// name is one of the SDK's.
    pub fn new(request: FaultRequest, known: impl Fn(&str) -> bool) -> ApiResult<Fault> {
        let operation = request
            .operation
            .filter(|o| o == "*" || known(o))
            .ok_or_else(|| {
                ApiError::invalid_parameter("operation must be an SDK action name, or *")
            })?;
        let status = request.status.unwrap_or(503);
        if !(200..=599).contains(&status) || (201..400).contains(&status) {
            return Err(ApiError::invalid_parameter(
                "status must be 200 (a delay only) or an error status, 400 to 599",
            ));
        }
        let probability = request.probability.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&probability) {
            return Err(ApiError::invalid_parameter(
                "probability must be between 0 and 1",
            ));
        }
        Ok(Fault {
            fault_id: random_token(9),
            operation,
            status,
            code: request.code.unwrap_or_else(|| "systemError".into()),
            message: request
                .message
                .unwrap_or_else(|| "A fault dingcal was asked to make.".into()),
            count: request.count,
            probability,
            delay_ms: request.delay_ms.unwrap_or(0),
        })
    }
}

impl Faults {
    pub fn add(&self, fault: Fault) {
        let mut list = self.list.lock().expect("faults poisoned");
        list.push(fault);
        self.any.store(true, Ordering::Release);
    }

    pub fn list(&self) -> Vec<Fault> {
        self.list.lock().expect("faults poisoned").clone()
    }

    /// Removes one fault, or all; whether any was removed.
    pub fn remove(&self, fault_id: Option<&str>) -> bool {
        let mut list = self.list.lock().expect("faults poisoned");
        let before = list.len();
        list.retain(|f| fault_id.is_some_and(|id| f.fault_id != id));
        self.any.store(!list.is_empty(), Ordering::Release);
        list.len() < before || fault_id.is_none()
    }

    /// The first fault a request of `operation` meets, counted.
    pub fn meet(&self, operation: &str) -> Option<Hit> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let mut list = self.list.lock().expect("faults poisoned");
        let i = list.iter().position(|f| {
            (f.operation == "*" || f.operation == operation)
                && (f.probability >= 1.0 || rand::random::<f64>() < f.probability)
        })?;
        let fault = &mut list[i];
        let hit = Hit {
            delay: Duration::from_millis(fault.delay_ms),
            error: (fault.status != 200)
                .then(|| (fault.status, fault.code.clone(), fault.message.clone())),
        };
        if let Some(n) = &mut fault.count {
            *n = n.saturating_sub(1);
            if *n == 0 {
                list.remove(i);
                self.any.store(!list.is_empty(), Ordering::Release);
            }
        }
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(operation: &str, count: Option<u64>) -> FaultRequest {
        FaultRequest {
            operation: Some(operation.into()),
            status: None,
            code: None,
            message: None,
            count,
            probability: None,
            delay_ms: None,
        }
    }

    #[test]
    fn a_counted_fault_ends_and_others_stay() {
        let faults = Faults::default();
        faults.add(Fault::new(request("CreateEvent", Some(2)), |_| true).unwrap());
        assert!(faults.meet("GetEvent").is_none());
        for _ in 0..2 {
            let hit = faults.meet("CreateEvent").unwrap();
            assert_eq!(hit.error.unwrap().0, 503);
        }
        assert!(faults.meet("CreateEvent").is_none());
        assert!(faults.list().is_empty());
        assert!(Fault::new(request("NoSuchThing", None), |o| o == "CreateEvent").is_err());
    }
}
