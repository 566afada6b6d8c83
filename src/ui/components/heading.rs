use leptos::html::H1;
use leptos::prelude::*;

/// The step's `<h1>`. It takes focus when the step appears, so a screen reader announces the new
/// step and keyboard users continue from the top of it.
#[component]
pub fn StepHeading(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let heading = NodeRef::<H1>::new();
    // Tracks only the node: runs once it is mounted, not again when the text changes.
    Effect::new(move |_| {
        if let Some(h1) = heading.get() {
            let _ = h1.focus();
        }
    });
    view! { <h1 tabindex="-1" node_ref=heading>{move || text.get()}</h1> }
}
