//! OAuth 2.0 grants for the REST API (CONTRACT §5.1): the grant store and the token service.

mod consent;
mod grants_store;
mod jobs;
mod tokens;
