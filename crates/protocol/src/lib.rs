//! What the tg-iam tools and tg-dev-gateway share: JSON written the way
//! the Python gateway and tools write it ([`json`]), and the gateway's UTC
//! timestamp formats on top of the `jiff` date crate ([`time`]).

pub mod json;
pub mod time;

pub use json::to_python_json;
