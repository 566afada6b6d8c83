//! The code-entry step the three flows share: where the code went, the code input, its expiry,
//! what the last answer said (wrong, expired, resent), "Resend code" with its countdown, and the
//! locked state once too many wrong codes were tried.
//!
//! It reads everything from the flow's [`CodeEntry`] and reports the user's actions through
//! callbacks, so that login, registration and enrolment mount the same view on their own
//! machines.

use leptos::prelude::*;
use tfa_flow::{CodeEntry, CodeNotice};

use super::components::{
    Countdown, ErrorSummary, OtpInput, StepHeading, SubmitButton, format_clock,
};
use super::messages::{alert_text, code_error_text, code_notice_text, sent_to_text};

/// The code step. `entry` is the flow's code entry in any of its states; when a flow leaves the
/// code step for a request that is still about it (registration's sign-in), `None` keeps the
/// last entry on screen. `busy` is true while a request of this step is in flight, `now` the
/// driver's clock (for the countdowns). `back_label` names the way back: "Use a different
/// account", "Change phone number", "Change email".
#[component]
pub fn CodeStepView(
    #[prop(into)] entry: Signal<Option<CodeEntry>>,
    #[prop(into)] busy: Signal<bool>,
    #[prop(into)] now: Signal<u64>,
    #[prop(into)] on_code: Callback<String>,
    #[prop(into)] on_resend: Callback<()>,
    #[prop(into)] on_back: Callback<()>,
    back_label: &'static str,
) -> impl IntoView {
    let entry: Memo<Option<CodeEntry>> = Memo::new(move |last: Option<&Option<CodeEntry>>| {
        entry.get().or_else(|| last.cloned().flatten())
    });
    // Locked or not decides which form is on screen; nothing else rebuilds it.
    let locked = Memo::new(move |_| entry.with(|e| e.as_ref().is_some_and(CodeEntry::is_locked)));
    let resend_in = Memo::new(move |_| {
        let now = now.get();
        entry.with(|e| e.as_ref().map_or(0, |e| e.resend_in_secs(now)))
    });
    let parts = StepParts {
        entry,
        busy,
        now,
        resend_in,
        on_code,
        on_resend,
        on_back,
        back_label,
    };
    move || {
        if locked.get() {
            view! { <LockedForm parts/> }.into_any()
        } else {
            view! { <CodeForm parts/> }.into_any()
        }
    }
}

/// What both forms of the step read and call.
#[derive(Clone, Copy)]
struct StepParts {
    entry: Memo<Option<CodeEntry>>,
    busy: Signal<bool>,
    now: Signal<u64>,
    resend_in: Memo<u32>,
    on_code: Callback<String>,
    on_resend: Callback<()>,
    on_back: Callback<()>,
    back_label: &'static str,
}

impl StepParts {
    /// The step's failed request (connection, rate limit), in the error summary's words.
    fn alert(self) -> Memo<Option<String>> {
        let StepParts { entry, now, .. } = self;
        Memo::new(move |_| {
            let now = now.get();
            entry.with(|e| {
                e.as_ref()
                    .and_then(|e| e.alert.as_ref())
                    .map(|a| alert_text(a, now))
            })
        })
    }
}

#[component]
fn CodeForm(parts: StepParts) -> impl IntoView {
    let StepParts {
        entry,
        busy,
        now,
        resend_in,
        on_code,
        on_resend,
        on_back,
        back_label,
    } = parts;
    // Initialised from the machine, so a code kept after a failed request is still there.
    let code = RwSignal::new(
        entry.with_untracked(|e| e.as_ref().map(|e| e.code.clone()).unwrap_or_default()),
    );
    let clear = RwSignal::new(0_u64);
    // A request about the code has been answered with "that code did not work" (wrong, expired,
    // or replaced by a new one): empty the boxes for the next try. After a connection failure
    // the code stays, so that the user can send it again.
    Effect::new(move |was_busy: Option<bool>| {
        let is_busy = busy.get();
        if was_busy == Some(true) && !is_busy {
            let retry = entry.with_untracked(|e| {
                e.as_ref().is_some_and(|e| {
                    e.alert.is_none()
                        && matches!(
                            e.notice,
                            CodeNotice::Wrong | CodeNotice::Expired | CodeNotice::Resent
                        )
                })
            });
            if retry {
                clear.update(|n| *n += 1);
            }
        }
        is_busy
    });

    let sent_to =
        Memo::new(move |_| entry.with(|e| e.as_ref().map(sent_to_text).unwrap_or_default()));
    let alert = parts.alert();
    // A wrong or expired code is the step's error; the connection's own alert comes first.
    let summary = Memo::new(move |_| {
        alert.get().or_else(|| {
            entry.with(|e| {
                e.as_ref()
                    .filter(|e| matches!(e.notice, CodeNotice::Wrong | CodeNotice::Expired))
                    .and_then(code_notice_text)
            })
        })
    });
    let resent = Memo::new(move |_| {
        entry.with(|e| {
            e.as_ref()
                .filter(|e| e.notice == CodeNotice::Resent && e.alert.is_none())
                .and_then(code_notice_text)
        })
    });
    let code_error = Memo::new(move |_| {
        entry.with(|e| {
            e.as_ref()
                .and_then(|e| e.code_error)
                .map(|c| code_error_text(&c))
        })
    });
    let expires_in = Memo::new(move |_| {
        let now = now.get();
        entry.with(|e| e.as_ref().map_or(0, |e| e.expires_in_secs(now)))
    });
    let expired = Memo::new(move |_| {
        expires_in.get() == 0
            || entry.with(|e| e.as_ref().is_some_and(|e| e.notice == CodeNotice::Expired))
    });
    let resend_label = move || match resend_in.get() {
        0 => "Resend code".to_owned(),
        secs => format!("Resend code in {}", format_clock(secs)),
    };

    view! {
        <form
            class="code-step"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                on_code.run(code.get_untracked());
            }
        >
            <StepHeading text="Enter the code"/>
            <p class="lead">{move || sent_to.get()}</p>
            <ErrorSummary message=summary/>
            <Show when=move || resent.get().is_some()>
                <div class="alert success" role="status">{move || resent.get()}</div>
            </Show>
            <OtpInput
                value=code
                on_complete=move |c: String| on_code.run(c)
                error=code_error
                clear=clear
                disabled=busy
            />
            <p class="muted otp-meta">
                <Show
                    when=move || !expired.get()
                    fallback=|| "This code has expired. Ask for a new one."
                >
                    "Code expires in "
                    <Countdown secs=expires_in/>
                </Show>
            </p>
            <SubmitButton label="Verify" busy_label="Checking…" busy=busy/>
            <div class="row">
                <button
                    type="button"
                    class="link"
                    disabled=move || busy.get() || resend_in.get() != 0
                    on:click=move |_| on_resend.run(())
                >
                    {resend_label}
                </button>
                <button
                    type="button"
                    class="link"
                    disabled=move || busy.get()
                    on:click=move |_| on_back.run(())
                >
                    {back_label}
                </button>
            </div>
        </form>
    }
}

#[component]
fn LockedForm(parts: StepParts) -> impl IntoView {
    let StepParts {
        busy,
        resend_in,
        on_resend,
        on_back,
        back_label,
        ..
    } = parts;
    let alert = parts.alert();
    let waiting = Memo::new(move |_| resend_in.get() > 0);
    view! {
        <form
            class="code-step locked"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                on_resend.run(());
            }
        >
            <StepHeading text="Too many attempts"/>
            <p class="lead">"For your security this code no longer works."</p>
            <ErrorSummary message=alert/>
            <Show
                when=move || waiting.get()
                fallback=|| view! { <p class="muted otp-meta">"You can ask for a new code now."</p> }
            >
                <p class="muted otp-meta">"You can ask for a new code in " <Countdown secs=resend_in/></p>
            </Show>
            <SubmitButton label="Send a new code" busy_label="Sending…" busy=busy disabled=waiting/>
            <div class="row">
                <button
                    type="button"
                    class="link"
                    disabled=move || busy.get()
                    on:click=move |_| on_back.run(())
                >
                    {back_label}
                </button>
            </div>
        </form>
    }
}
