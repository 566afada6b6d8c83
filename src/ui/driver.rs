//! Runs a flow machine in the browser: user events go in, the effects that come out are run with
//! the API client, and their results go back in as events. A one-second tick drives countdowns
//! while the flow is on screen.
//!
//! The machine lives in one local signal. Screens read it through closures and memos, so a tick
//! updates the countdown text without rebuilding a form (which would lose focus and input).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tfa_flow::{EnrollEvent, EnrollFlow, LoginEvent, LoginFlow, RegisterEvent, RegisterFlow};

/// What the driver needs to know of a flow machine.
pub trait Machine: 'static {
    type Event: 'static;
    type Effect: 'static;
    fn handle(&mut self, event: Self::Event) -> Vec<Self::Effect>;
    fn tick(now_ms: u64) -> Self::Event;
    fn state_name(&self) -> &'static str;
}

macro_rules! machine {
    ($flow:ident, $event:ident, $effect:ty) => {
        impl Machine for $flow {
            type Event = $event;
            type Effect = $effect;
            fn handle(&mut self, event: $event) -> Vec<$effect> {
                $flow::handle(self, event)
            }
            fn tick(now_ms: u64) -> $event {
                $event::Tick { now_ms }
            }
            fn state_name(&self) -> &'static str {
                $flow::state_name(self)
            }
        }
    };
}
machine!(LoginFlow, LoginEvent, tfa_flow::LoginEffect);
machine!(RegisterFlow, RegisterEvent, tfa_flow::RegisterEffect);
machine!(EnrollFlow, EnrollEvent, tfa_flow::EnrollEffect);

/// The future an effect runs as; `None` when the effect has no answer to feed back.
pub type EffectFuture<E> = Pin<Box<dyn Future<Output = Option<E>>>>;
type Runner<M> = Rc<dyn Fn(<M as Machine>::Effect) -> EffectFuture<<M as Machine>::Event>>;

/// A running flow. `Copy`, so event handlers in the view can capture it freely.
pub struct Driver<M: Machine> {
    machine: RwSignal<M, LocalStorage>,
    runner: StoredValue<Runner<M>, LocalStorage>,
    /// The time of the last tick, for views that show countdowns.
    now: RwSignal<u64>,
}

impl<M: Machine> Clone for Driver<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M: Machine> Copy for Driver<M> {}

/// Milliseconds since the epoch. The machines only subtract these, so wall-clock time is enough.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

impl<M: Machine> Driver<M> {
    /// Starts `machine`; `run` performs one effect. Ticks stop when the calling component unmounts.
    pub fn new(machine: M, run: impl Fn(M::Effect) -> EffectFuture<M::Event> + 'static) -> Self {
        let driver = Driver {
            machine: RwSignal::new_local(machine),
            runner: StoredValue::new_local(Rc::new(run) as Runner<M>),
            now: RwSignal::new(now_ms()),
        };
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let now = now_ms();
                driver.now.set(now);
                driver.dispatch(M::tick(now));
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
        driver
    }

    /// Feeds one event to the machine and starts the effects it asks for.
    pub fn dispatch(self, event: M::Event) {
        let Some(effects) = self.machine.try_update(|m| m.handle(event)) else {
            return; // the flow was unmounted while a request was in flight
        };
        for effect in effects {
            let Some(run) = self.runner.try_with_value(Rc::clone) else {
                return;
            };
            spawn_local(async move {
                if let Some(answer) = run(effect).await {
                    self.dispatch(answer);
                }
            });
        }
    }

    /// Reads the machine; re-runs in a reactive context whenever it changes.
    pub fn with<T>(self, f: impl FnOnce(&M) -> T) -> T {
        self.machine.with(f)
    }

    /// The state name, changing only when the state does (for `data-state` and screen switching).
    pub fn state_name(self) -> Memo<&'static str> {
        Memo::new(move |_| self.machine.with(|m| m.state_name()))
    }

    /// The time of the last tick, in milliseconds.
    pub fn now(self) -> u64 {
        self.now.get()
    }
}
