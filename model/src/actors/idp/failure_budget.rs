//! How often the IdP SDK's refresh may fail in a scenario
//! (`faults.refresh_failures`), and the kind of each failure
//! (`faults.failure_kind`: a network error, a 5xx of the refresh endpoint, …),
//! whose effect is the SDK's row of `crate::sdks::SDKS`.
//!
//! The one failure rule: a refresh may fail only while the budget lasts, and each
//! failure spends one. Whether a refresh that may fail does fail is a
//! nondeterministic choice of the model.

use serde::Serialize;

use crate::sdks::FailureKind;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FailureBudget {
    /// Failures left.
    pub left: u8,
    /// The kind of every failure (and of every refresh during an outage).
    pub kind: FailureKind,
}

impl FailureBudget {
    /// Whether a refresh may fail now.
    pub fn may_fail(&self) -> bool {
        self.left > 0
    }

    /// A refresh settles after the choice `chose_failure`: whether it fails. The
    /// budget may have been spent by another refresh since the choice was offered;
    /// then this refresh can only succeed.
    pub fn settle(&mut self, chose_failure: bool) -> bool {
        let fails = chose_failure && self.may_fail();
        if fails {
            self.left -= 1;
        }
        fails
    }
}
