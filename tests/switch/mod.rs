//! The SOAP→REST switch (issue 10, CONTRACT §5.4): what the worker keeps while on SOAP.

mod across;
mod capture;
mod capture_migration;
mod identity;
mod relink;
