fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(tfa_app::ui::App);
}
