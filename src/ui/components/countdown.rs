use leptos::prelude::*;

/// `secs` as the screen shows it: `4:32`, `0:09`.
pub fn format_clock(secs: u32) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The same time in words, for screen readers: "4 minutes 32 seconds".
fn spoken(secs: u32) -> String {
    let (minutes, seconds) = (secs / 60, secs % 60);
    let unit = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (minutes, seconds) {
        (0, s) => unit(s, "second", "seconds"),
        (m, 0) => unit(m, "minute", "minutes"),
        (m, s) => format!(
            "{} {}",
            unit(m, "minute", "minutes"),
            unit(s, "second", "seconds")
        ),
    }
}

/// The moments worth announcing: a polite update every second would drown everything else.
fn worth_announcing(secs: u32) -> bool {
    secs.is_multiple_of(60) || secs == 30 || secs == 10
}

/// A ticking `m:ss`. Sighted users see every second; screen readers get the same time in words
/// in a polite live region that changes only at whole minutes and at 30, 10 and 0 seconds.
#[component]
pub fn Countdown(#[prop(into)] secs: Signal<u32>) -> impl IntoView {
    let announced = RwSignal::new(spoken(secs.get_untracked()));
    Effect::watch(
        move || secs.get(),
        move |secs, _, _| {
            if worth_announcing(*secs) {
                announced.set(spoken(*secs));
            }
        },
        false,
    );
    view! {
        <span class="countdown">
            <span aria-hidden="true">{move || format_clock(secs.get())}</span>
            <span class="visually-hidden" aria-live="polite">
                {move || announced.get()}
            </span>
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_pad_seconds() {
        assert_eq!(format_clock(272), "4:32");
        assert_eq!(format_clock(9), "0:09");
        assert_eq!(format_clock(0), "0:00");
        assert_eq!(format_clock(1800), "30:00");
    }

    #[test]
    fn spoken_times_use_words() {
        assert_eq!(spoken(272), "4 minutes 32 seconds");
        assert_eq!(spoken(60), "1 minute");
        assert_eq!(spoken(61), "1 minute 1 second");
        assert_eq!(spoken(10), "10 seconds");
        assert_eq!(spoken(0), "0 seconds");
    }

    #[test]
    fn only_minutes_and_the_last_seconds_are_announced() {
        let announced: Vec<u32> = (0..=300).rev().filter(|s| worth_announcing(*s)).collect();
        assert_eq!(announced, [300, 240, 180, 120, 60, 30, 10, 0]);
    }
}
