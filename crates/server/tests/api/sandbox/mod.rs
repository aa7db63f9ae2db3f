//! The sandbox (`serve --sandbox`) over HTTP: test clocks, scenarios, organizations on
//! demand, reset, webhook faults, and that every sandbox route is a `404` on a server
//! without it.

mod clock;
mod faults;
mod orgs;
mod reset;
mod scenarios;
