//! Verification statuses, their legal transitions, and result statuses.
//!
//! The transition table is the single source of truth for how a verification
//! moves: the server's worker pool, the client's `wait` and every door consult
//! it instead of keeping their own idea of which statuses are final.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};

/// Where a verification is in its life, as the verification API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerificationStatus {
    /// Created but not yet submitted for processing.
    Draft,
    /// Submitted and waiting for a worker.
    InQueue,
    /// A worker is processing it.
    InProgress,
    /// Processed; the result is final.
    Completed,
    /// Processing failed; no result.
    Failed,
    /// Withdrawn before it finished.
    Cancelled,
    /// Processed, but the result is borderline and needs a human decision.
    NeedReview,
    /// Processed, and the document or face was judged fraudulent.
    FraudDetected,
    /// Some checks of a multi-part verification completed, the rest were skipped.
    PartiallyCompleted,
    /// Some checks of a multi-part verification failed.
    PartiallyFailed,
}

use VerificationStatus::*;

impl VerificationStatus {
    /// Every status, in the order the reference lists them.
    pub const ALL: [VerificationStatus; 10] = [
        Draft,
        InQueue,
        InProgress,
        Completed,
        Failed,
        Cancelled,
        NeedReview,
        FraudDetected,
        PartiallyCompleted,
        PartiallyFailed,
    ];

    /// The reference's upper-case name, e.g. `"IN_QUEUE"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Draft => "DRAFT",
            InQueue => "IN_QUEUE",
            InProgress => "IN_PROGRESS",
            Completed => "COMPLETED",
            Failed => "FAILED",
            Cancelled => "CANCELLED",
            NeedReview => "NEED_REVIEW",
            FraudDetected => "FRAUD_DETECTED",
            PartiallyCompleted => "PARTIALLY_COMPLETED",
            PartiallyFailed => "PARTIALLY_FAILED",
        }
    }

    /// The statuses this one may move to. Empty for terminal statuses.
    ///
    /// - `DRAFT` is submitted (`IN_QUEUE`) or withdrawn.
    /// - `IN_QUEUE` is picked up, withdrawn, or fails before starting (for
    ///   instance when an input file has expired).
    /// - `IN_PROGRESS` ends in one of the outcomes, or is withdrawn.
    /// - `NEED_REVIEW` waits for a human, who confirms, rejects as fraud, or
    ///   fails it.
    pub const fn allowed_transitions(self) -> &'static [VerificationStatus] {
        match self {
            Draft => &[InQueue, Cancelled],
            InQueue => &[InProgress, Cancelled, Failed],
            InProgress => &[
                Completed,
                Failed,
                NeedReview,
                FraudDetected,
                PartiallyCompleted,
                PartiallyFailed,
                Cancelled,
            ],
            NeedReview => &[Completed, FraudDetected, Failed],
            Completed | Failed | Cancelled | FraudDetected | PartiallyCompleted
            | PartiallyFailed => &[],
        }
    }

    /// Whether moving from `self` to `next` is legal.
    pub fn can_transition_to(self, next: VerificationStatus) -> bool {
        self.allowed_transitions().contains(&next)
    }

    /// `next` if the move is legal, else an [`IllegalTransition`].
    pub fn transition_to(
        self,
        next: VerificationStatus,
    ) -> Result<VerificationStatus, IllegalTransition> {
        if self.can_transition_to(next) {
            Ok(next)
        } else {
            Err(IllegalTransition {
                from: self,
                to: next,
            })
        }
    }

    /// No further status change can happen.
    pub const fn is_terminal(self) -> bool {
        self.allowed_transitions().is_empty()
    }

    /// Processing is over for now: terminal, or waiting for a human
    /// (`NEED_REVIEW`). A client polling for a result stops here.
    pub const fn is_settled(self) -> bool {
        self.is_terminal() || matches!(self, NeedReview)
    }
}

super::text_enum!(VerificationStatus, "verification status");

/// One row of the transition table, for printing and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransitionRow {
    /// The status.
    pub status: VerificationStatus,
    /// Whether it admits no further change.
    pub terminal: bool,
    /// The statuses it may move to.
    pub allowed: &'static [VerificationStatus],
}

/// The whole transition table, one row per status in reference order.
pub fn transition_table() -> Vec<TransitionRow> {
    VerificationStatus::ALL
        .into_iter()
        .map(|status| TransitionRow {
            status,
            terminal: status.is_terminal(),
            allowed: status.allowed_transitions(),
        })
        .collect()
}

/// A status change that the transition table forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal status transition {from} -> {to}{}", hint(*.from))]
pub struct IllegalTransition {
    /// The current status.
    pub from: VerificationStatus,
    /// The status that was asked for.
    pub to: VerificationStatus,
}

fn hint(from: VerificationStatus) -> String {
    if from.is_terminal() {
        format!(" ({from} is terminal)")
    } else {
        let allowed: Vec<&str> = from
            .allowed_transitions()
            .iter()
            .map(|status| status.as_str())
            .collect();
        format!(" (allowed: {})", allowed.join(", "))
    }
}

impl From<IllegalTransition> for Error {
    fn from(err: IllegalTransition) -> Self {
        Error::new(ErrorCode::InvalidTransition, err.to_string())
    }
}

/// The overall outcome of a finished verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResultStatus {
    /// Every check passed.
    Verified,
    /// The checks failed (the face did not match, the document was forged).
    NotVerified,
    /// Some checks passed and some did not.
    PartiallyNotVerified,
}

impl ResultStatus {
    /// Every result status.
    pub const ALL: [ResultStatus; 3] = [
        ResultStatus::Verified,
        ResultStatus::NotVerified,
        ResultStatus::PartiallyNotVerified,
    ];

    /// The reference's upper-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Verified => "VERIFIED",
            ResultStatus::NotVerified => "NOT_VERIFIED",
            ResultStatus::PartiallyNotVerified => "PARTIALLY_NOT_VERIFIED",
        }
    }
}

super::text_enum!(ResultStatus, "result status");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_reference_list() {
        let names: Vec<&str> = VerificationStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names.join(", "),
            "DRAFT, IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, NEED_REVIEW, \
             FRAUD_DETECTED, PARTIALLY_COMPLETED, PARTIALLY_FAILED"
        );
        for status in VerificationStatus::ALL {
            assert_eq!(
                status.as_str().parse::<VerificationStatus>().unwrap(),
                status
            );
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
    }

    #[test]
    fn terminal_statuses_have_no_way_out() {
        let terminal: Vec<_> = VerificationStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [
                Completed,
                Failed,
                Cancelled,
                FraudDetected,
                PartiallyCompleted,
                PartiallyFailed
            ]
        );
        for from in terminal {
            for to in VerificationStatus::ALL {
                assert!(!from.can_transition_to(to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn the_happy_path_is_legal_and_skipping_the_queue_is_not() {
        let path = [Draft, InQueue, InProgress, Completed];
        for pair in path.windows(2) {
            assert_eq!(pair[0].transition_to(pair[1]), Ok(pair[1]));
        }
        let err = Draft.transition_to(Completed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "illegal status transition DRAFT -> COMPLETED (allowed: IN_QUEUE, CANCELLED)"
        );
        let err: Error = Completed.transition_to(InQueue).unwrap_err().into();
        assert_eq!(err.code(), ErrorCode::InvalidTransition);
        assert!(err.message().contains("COMPLETED is terminal"));
    }

    #[test]
    fn no_status_moves_to_itself_or_back_to_draft() {
        for status in VerificationStatus::ALL {
            assert!(!status.can_transition_to(status));
            assert!(!status.can_transition_to(Draft));
        }
    }

    #[test]
    fn every_non_terminal_status_can_reach_a_terminal_one() {
        for start in VerificationStatus::ALL {
            let mut seen = vec![start];
            let mut frontier = vec![start];
            while let Some(status) = frontier.pop() {
                for &next in status.allowed_transitions() {
                    if !seen.contains(&next) {
                        seen.push(next);
                        frontier.push(next);
                    }
                }
            }
            assert!(seen.iter().any(|s| s.is_terminal()), "{start} is a trap");
        }
    }

    #[test]
    fn need_review_is_settled_but_not_terminal() {
        assert!(NeedReview.is_settled());
        assert!(!NeedReview.is_terminal());
        assert!(!InProgress.is_settled());
    }

    #[test]
    fn unknown_names_are_invalid_arguments() {
        let err = "DONE".parse::<VerificationStatus>().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!("verified".parse::<ResultStatus>().is_err());
        assert_eq!(
            "VERIFIED".parse::<ResultStatus>().unwrap(),
            ResultStatus::Verified
        );
    }
}
