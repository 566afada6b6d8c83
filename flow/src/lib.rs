//! The pure heart of the sign-in frontend: domain types and the three flow machines.
//!
//! Nothing here touches the network, the clock, the DOM or Leptos: the compiler enforces it,
//! because this crate has no such dependency. Machines take events (user input, API results,
//! clock ticks) and return effects (requests to make) for a driver at the edge to run.

pub mod auth_method;
pub mod enroll;
pub mod error;
pub mod feedback;
pub mod login;
pub mod otp;
pub mod phone;
pub mod register;
pub mod username;

pub use auth_method::AuthMethod;
pub use enroll::{
    ChooseMethodStep, DestinationForm, DestinationStep, DisableForm, DisableStep, EnrollCodeStep,
    EnrollEffect, EnrollEvent, EnrollFlow, EnrollState, UserSummary, UserUpdate,
};
pub use error::{ApiError, Field, FieldError, OtpChallenge, OtpStatus};
pub use feedback::Alert;
pub use login::{CodeStep, CredentialsStep, LoginEffect, LoginEvent, LoginFlow, LoginState};
pub use otp::{CodeEntry, CodeError, CodeNotice, Destination};
pub use phone::{COUNTRIES, Country, PhoneError, PhoneNumber};
pub use register::{
    DetailsForm, DetailsStep, MethodStep, NewCustomer, PendingSignIn, RegisterCodeStep,
    RegisterEffect, RegisterEvent, RegisterFlow, RegisterState,
};
pub use username::normalize_username;
