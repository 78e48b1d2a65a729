//! How often AuthKit's refresh may fail transiently in a scenario
//! (`faults.refresh_failures`): a network error or a 5xx of the refresh endpoint,
//! which authkit-js `getAccessToken` (`src/create-client.ts`) rethrows.
//!
//! The one failure rule: a refresh may fail only while the budget lasts, and each
//! failure spends one. Whether a refresh that may fail does fail is a
//! nondeterministic choice of the model.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FailureBudget {
    /// Transient failures left.
    pub left: u8,
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
