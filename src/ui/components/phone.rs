use leptos::prelude::*;
use tfa_flow::{COUNTRIES, Country};

use super::described_by;
use super::field::ErrorLine;

/// A country selector and the number as it is dialled at home; the flow joins them.
#[component]
pub fn PhoneField(
    id: &'static str,
    label: &'static str,
    country: RwSignal<&'static Country>,
    national: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let has_error = move || error.with(Option::is_some);
    let on_country = move |ev| {
        let iso = event_target_value(&ev);
        if let Some(c) = Country::by_iso(&iso) {
            country.set(c);
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <div class="phone">
                <select
                    id=format!("{id}-country")
                    aria-label="Country"
                    autocomplete="country"
                    on:change=on_country
                    prop:value=move || country.get().iso
                >
                    {COUNTRIES
                        .iter()
                        .map(|c| {
                            view! {
                                <option value=c.iso selected=move || country.get().iso == c.iso>
                                    {format!("{} (+{})", c.name, c.dial_code)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <input
                    id=id
                    type="tel"
                    autocomplete="tel-national"
                    inputmode="tel"
                    prop:value=move || national.get()
                    on:input=move |ev| national.set(event_target_value(&ev))
                    aria-invalid=move || has_error().then_some("true")
                    aria-describedby=move || described_by(id, false, has_error())
                />
            </div>
            <ErrorLine id=id error=error />
        </div>
    }
}
