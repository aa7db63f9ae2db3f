//! The sandbox (`serve --sandbox`) over HTTP: test clocks, scenarios, and that every sandbox route is
//! a `404` on a server without it.

mod clock;
mod scenarios;
